import logging
import time

from django.conf import settings
from django.http import HttpResponse

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


# The forms anyone may post, by view name, with the encodings a browser's form sends them in.
PUBLIC_FORMS = {
    # Its form in the page header is urlencoded; it takes no upload.
    "set_language": {"application/x-www-form-urlencoded"},
    "admin:login": {"application/x-www-form-urlencoded", "multipart/form-data"},
}


class RequestBodyMiddleware:
    """Refuses a request body before anything reads it: one larger than any form of the
    site takes (DATA_UPLOAD_MAX_MEMORY_SIZE), and, on the forms anyone may post, one
    larger than PUBLIC_FORM_MAX_BYTES or in an encoding their form does not use."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if content_length(request) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return refusal(413, "Request body too large.")
        return self.get_response(request)

    def process_view(self, request, view, args, kwargs):
        encodings = PUBLIC_FORMS.get(request.resolver_match.view_name)
        if encodings is None or request.method != "POST":
            return None
        if content_length(request) > settings.PUBLIC_FORM_MAX_BYTES:
            return refusal(413, "Request body too large.")
        if content_length(request) and request.content_type not in encodings:
            return refusal(415, "Unsupported media type.")
        return None


def content_length(request):
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def refusal(status, reason):
    return HttpResponse(reason, status=status, content_type="text/plain; charset=utf-8")
