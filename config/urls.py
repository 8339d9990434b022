from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language

from config.health import healthz

urlpatterns = [
    path(f"{settings.ADMIN_PATH}/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    # The language switch only sets a display preference, and pages are shared between
    # readers by the cache, so its form carries no per-reader CSRF token.
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    path("", include("practices.urls")),
    path("", include("programs.urls")),
    path("", include("compact.urls")),
    path("", include("catalogue.urls")),
]

handler500 = "config.errors.server_error"
