"""The read API: every record type as a list and a detail, read-only and anonymous. The
instruments' list reads the catalogue's own FilterSet (catalogue/filters.py) through
django-filter's backend and answers from the catalogue's index, so that it holds exactly
what the catalogue page shows, in the same order."""

from django.conf import settings
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import ChoiceFilter, DjangoFilterBackend, FilterSet
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.reverse import reverse

from catalogue import tables
from catalogue.filters import AREA_NUMBERS, InstrumentFilter, TooMuch
from compact.models import ObjectiveLink
from core.permalinks import OldSlug
from core.records import PublicationStatus
from practices.models import Practice, ThematicArea
from programs.models import Institution, Instrument, TargetGroup

from . import serializers


class Pages(PageNumberPagination):
    """Pages of `page_size` records; `pagina` chooses which, as on the site."""

    page_size = 50
    page_query_param = "pagina"


class CatalogueFilterBackend(DjangoFilterBackend):
    """The catalogue's filters and search, answered from its index. Unlike the page, which
    ignores an invalid filter and names it, the API refuses it: a program must not take an
    unfiltered list for a filtered one."""

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset.errors:
            raise ValidationError(filterset.errors)
        try:
            filterset.check_bounds()
        except TooMuch as error:
            raise ValidationError({"detail": error.messages}) from error
        return filterset.search.results(queryset)


def published(model):
    """The published records of `model`, as links name them: without their search text."""
    return tables.without_search(model.objects.published())


def objective_links():
    """A record's editorial links to the Global Compact, as `listed_objective_links`."""
    return Prefetch(
        "objective_links",
        queryset=ObjectiveLink.objects.select_related("objective").prefetch_related("sdg_targets"),
        to_attr="listed_objective_links",
    )


class RecordViewSet(viewsets.ReadOnlyModelViewSet):
    """A record type by slug; an old slug answers with a permanent redirect to the current
    address, as the record's page does."""

    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"  # a slug; nothing else reaches the database
    pagination_class = Pages

    def retrieve(self, request, *args, **kwargs):
        try:
            return super().retrieve(request, *args, **kwargs)
        except (Http404, NotFound):
            model = self.get_queryset().model
            old = OldSlug.objects.filter(model=model._meta.label_lower, slug=kwargs["slug"]).first()
            if old is None or not self.get_queryset().filter(slug=old.current).exists():
                raise
            address = reverse(f"api:{self.basename}-detail", args=[old.current], request=request)
            query = request.META.get("QUERY_STRING", "")
            return HttpResponsePermanentRedirect(f"{address}?{query}" if query else address)


@extend_schema_view(
    list=extend_schema(
        description=_(
            "Los instrumentos publicados (leyes, programas, protocolos…), con los filtros y "
            "la búsqueda del catálogo, en el orden del catálogo."
        )
    ),
    retrieve=extend_schema(description=_("Un instrumento, por su slug, con sus vínculos.")),
)
class InstrumentViewSet(RecordViewSet):
    """The published instruments; the list takes the catalogue's parameters."""

    serializer_class = serializers.InstrumentSerializer
    filter_backends = [CatalogueFilterBackend]
    filterset_class = InstrumentFilter

    def get_queryset(self):
        return tables.instrument_queryset().prefetch_related(objective_links()).published()

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)


class PracticeFilter(FilterSet):
    area = ChoiceFilter(
        field_name="area__number", label=_("Número del área temática."), choices=AREA_NUMBERS
    )

    class Meta:
        model = Practice
        fields = ["area"]


@extend_schema_view(
    list=extend_schema(description=_("Las buenas prácticas publicadas, por área temática.")),
    retrieve=extend_schema(description=_("Una buena práctica, por su slug, con sus instrumentos.")),
)
class PracticeViewSet(RecordViewSet):
    serializer_class = serializers.PracticeSerializer
    filter_backends = [DjangoFilterBackend]  # an invalid filter answers 400, with why
    filterset_class = PracticeFilter

    def get_queryset(self):
        return (
            Practice.objects.published()
            .select_related("area")
            .prefetch_related(
                Prefetch("instruments", queryset=published(Instrument)),
                objective_links(),
            )
            .order_by("area__number", "position")
        )


@extend_schema_view(
    list=extend_schema(description=_("Las seis áreas temáticas de la resolución A/HRC/35/L.28.")),
    retrieve=extend_schema(
        description=_(
            "Un área temática, por su slug, con el número de sus buenas prácticas y la "
            "dirección de su lista."
        )
    ),
)
class ThematicAreaViewSet(RecordViewSet):
    serializer_class = serializers.ThematicAreaSerializer

    def get_queryset(self):
        is_published = Q(practices__publication_status=PublicationStatus.PUBLISHED)
        return ThematicArea.objects.annotate(
            published_practices=Count("practices", filter=is_published)
        ).order_by("number")


@extend_schema_view(
    list=extend_schema(description=_("Las instituciones, por nombre.")),
    retrieve=extend_schema(description=_("Una institución, por su slug.")),
)
class InstitutionViewSet(RecordViewSet):
    serializer_class = serializers.InstitutionSerializer

    def get_queryset(self):
        return Institution.objects.select_related("country").order_by("name")


@extend_schema_view(
    list=extend_schema(description=_("Los grupos de población, por nombre.")),
    retrieve=extend_schema(description=_("Un grupo de población, por su slug.")),
)
class TargetGroupViewSet(RecordViewSet):
    serializer_class = serializers.TargetGroupSerializer

    def get_queryset(self):
        return TargetGroup.objects.select_related("parent").order_by("name")


def documentation(request):
    """The API's documentation, for people: each address with its parameters, read from
    the same OpenAPI schema programs read."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = [
        {
            "path": path,
            "description": operation.get("description", ""),
            "parameters": [described(parameter) for parameter in operation.get("parameters", [])],
        }
        for path, methods in schema["paths"].items()
        for operation in methods.values()
    ]
    example = reverse("api:instrumento-list", request=request) + "?grupo=mujeres&q=salud"
    context = {
        "operations": operations,
        "rate": settings.API_RATE,
        "page_size": Pages.page_size,
        "example": example,
    }
    return render(request, "api/documentation.html", context)


def described(parameter):
    """A parameter of the schema as the documentation shows it."""
    schema = parameter.get("schema", {})
    values = schema.get("enum") or schema.get("items", {}).get("enum")
    return {
        "name": parameter["name"],
        "values": ", ".join(map(str, values)) if values else schema.get("type", ""),
        "description": parameter.get("description", ""),
    }
