"""The address a request came from, behind the proxies the site trusts.

Behind DJANGO_TRUSTED_PROXIES proxies, each of which appends the address its own client
connected from to X-Forwarded-For, the client's address is the entry the outermost proxy
appended: the one that many places from the end. Entries before it were sent by the
client and could say anything; with no proxies the header is ignored for the same reason.
"""

import ipaddress

from django.conf import settings


def client_address(request):
    """The client's address, as the login lockout (django-axes) counts it."""
    connected = request.META.get("REMOTE_ADDR")
    proxies = settings.TRUSTED_PROXIES
    if not proxies:
        return connected
    forwarded = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [entry for entry in forwarded if entry]
    if len(forwarded) < proxies:
        # Not through every proxy (a probe from inside the network, say).
        return connected
    try:
        return str(ipaddress.ip_address(forwarded[-proxies]))
    except ValueError:
        return connected
