"""The page for an error no view handled (handler500 in config/urls.py)."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, UnreadablePostError
from django.template import loader
from django.views import defaults

# How long a visitor, or a crawler, might wait before trying again.
RETRY_AFTER_SECONDS = 30


def server_error(request):
    """A database that cannot be reached, or that did not answer in time (the timeouts
    in config/settings.py), is the site being unavailable, not a bug: 503, with its own
    plain page. Anything else is Django's 500 page. Either way Django logs the error
    with its traceback and the request's id; the page shows neither."""
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        # Rendered without the request: its context processors might query the database.
        page = loader.get_template("503.html").render()
        response = HttpResponse(page, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    if isinstance(sys.exc_info()[1], UnreadablePostError):
        # The client did not send the body it announced in time (config/workers.py).
        return defaults.bad_request(request, sys.exc_info()[1])
    return defaults.server_error(request)
