"""The read API under /api/v1/: a list and a detail for each record type, the OpenAPI
schema. Every address is rate-limited per client and cached like the pages."""

from django.urls import path
from drf_spectacular.views import SpectacularJSONAPIView
from rest_framework.routers import DefaultRouter

from catalogue.filters import InstrumentFilter
from core.caching import public_page

from . import views
from .throttling import rate_limited

app_name = "api"

router = DefaultRouter(trailing_slash=True)
router.include_format_suffixes = False
router.register("instrumentos", views.InstrumentViewSet, basename="instrumento")
router.register("practicas", views.PracticeViewSet, basename="practica")
router.register("areas", views.ThematicAreaViewSet, basename="area")
router.register("instituciones", views.InstitutionViewSet, basename="institucion")
router.register("grupos", views.TargetGroupViewSet, basename="grupo")

PARAMETERS = {
    "instrumento-list": (*InstrumentFilter.base_filters, "pagina"),
    "practica-list": (*views.PracticeFilter.base_filters, "pagina"),
}


def served(pattern):
    """The pattern's view behind the rate limit and the page cache."""
    params = PARAMETERS.get(pattern.name, ("pagina",))
    pattern.callback = rate_limited(public_page(pattern.callback, params=params))
    return pattern


urlpatterns = [
    served(path("esquema.json", SpectacularJSONAPIView.as_view(), name="schema")),
    *(served(pattern) for pattern in router.urls),
]
