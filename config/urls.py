from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language

from api.views import documentation
from config.health import healthz
from core.caching import public_page

urlpatterns = [
    path(f"{settings.ADMIN_PATH}/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include("api.urls")),
    # The language switch only sets a display preference, and pages are shared between
    # readers by the cache, so its form carries no per-reader CSRF token.
    # Kept for links and forms of before the language moved into the address: it sends
    # the reader to the page they came from, in the language they chose.
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
]
# Each public page once per language: Spanish at the root, English under /en/, so that a
# page in either language can be linked, cited, cached and found (core/languages.py).
urlpatterns += i18n_patterns(
    path("", include("practices.urls")),
    path("", include("programs.urls")),
    path("", include("compact.urls")),
    path("", include("catalogue.urls")),
    path("api/", public_page(documentation), name="api_documentation"),
    prefix_default_language=False,
)

handler500 = "config.errors.server_error"
