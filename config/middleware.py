import logging
import time

logger = logging.getLogger("buenas_practicas.requests")


class RequestLogMiddleware:
    """One structured log line per request: what was asked, the answer, how long it took.
    The request id comes from django-guid's filter, set by the middleware before this one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        # Load balancers probe every few seconds; their lines would drown the rest.
        if request.path != "/healthz":
            logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "user_id": getattr(getattr(request, "user", None), "pk", None),
                },
            )
        return response
