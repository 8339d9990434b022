import logging

from django.db import DatabaseError
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from core.revision import ContentRevision

logger = logging.getLogger("buenas_practicas.health")


@never_cache
def healthz(request):
    """200 when this server can read from its database what every page reads first (the
    knowledge base's revision), 503 when it cannot: unreachable, or locked or too slow to
    answer within the timeouts (config/settings.py). The reason is logged, never shown:
    the endpoint is public."""
    try:
        ContentRevision.objects.current()
    except DatabaseError:
        logger.exception("Health check: the database did not answer")
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
