"""A limit on requests per client, counted before the page cache answers: a copy from the
cache costs little, but a client that asks faster than anyone reads is told to wait, with a
429 that says for how long."""

from functools import wraps

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _
from rest_framework.throttling import SimpleRateThrottle

from config.proxies import client_address


class PerClient(SimpleRateThrottle):
    """`API_RATE` requests (e.g. "120/min") per client address, behind the trusted proxies
    as the login lockout counts them (config/proxies.py)."""

    scope = "api"

    def get_rate(self):
        return settings.API_RATE

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": client_address(request)}


def rate_limited(view):
    @wraps(view)
    def answer(request, *args, **kwargs):
        throttle = PerClient()
        if throttle.allow_request(request, None):
            return view(request, *args, **kwargs)
        wait = max(1, round(throttle.wait() or 1))
        message = _(
            "Demasiadas solicitudes desde esta dirección: la API admite %(rate)s. "
            "Vuelva a intentarlo en %(seconds)s segundos."
        ) % {"rate": settings.API_RATE, "seconds": wait}
        response = JsonResponse({"detail": message}, status=429)
        response["Retry-After"] = str(wait)
        return response

    return answer
