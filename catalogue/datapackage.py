"""The whole knowledge base as a Frictionless Data Package: `/datos/datapackage.json`
describes one CSV per record type (`/datos/<recurso>.csv`, beside it), with each column's
type, under the CC BY 4.0 licence. The CSVs are the lists' own downloads
(catalogue/tables.py, catalogue/export.py) over every published record."""

from django.urls import reverse
from django.utils.translation import gettext as _

from practices.models import Practice, ThematicArea
from programs.models import Institution, TargetGroup

from . import tables
from .export import Table, permalink, timestamp

LICENSE = {
    "name": "CC-BY-4.0",
    "title": "Creative Commons Attribution 4.0 International",
    "path": "https://creativecommons.org/licenses/by/4.0/",
}
# Columns that are not text (every other column is a string; several values in one
# cell are joined by "; ").
TYPES = {
    "url": "string",
    "orden": "integer",
    "numero": "integer",
    "instrumentos_publicados": "integer",
}

TARGET_GROUPS = Table(
    "grupos_de_poblacion",
    [
        ("url", permalink),
        ("slug", lambda r, _request: r.slug),
        ("nombre", lambda r, _request: r.name),
        ("siglas", lambda r, _request: r.acronym),
        ("grupo_superior", lambda r, _request: r.parent.name if r.parent else ""),
        ("descripcion", lambda r, _request: r.description),
        ("cita_fuente", lambda r, _request: r.source_quote),
        ("actualizado", lambda r, _request: timestamp(r.updated_at)),
    ],
)

AREAS = Table(
    "areas_tematicas",
    [
        ("url", permalink),
        ("numero", lambda r, _request: r.number),
        ("slug", lambda r, _request: r.slug),
        ("titulo", lambda r, _request: r.title),
        ("texto_resolucion", lambda r, _request: r.resolution_text),
        ("cita_fuente", lambda r, _request: r.source_quote),
        ("actualizado", lambda r, _request: timestamp(r.updated_at)),
    ],
)


def resources(institution_counts):
    """{name: (its table, its records)}, in the order the package lists them."""
    practices = Practice.objects.published().select_related("area").with_instruments()
    return {
        "instrumentos": (
            tables.instruments_table("instrumentos"),
            tables.instrument_queryset().published().order_by("name", "pk"),
        ),
        "practicas": (tables.practices_table("practicas"), practices),
        "areas_tematicas": (AREAS, ThematicArea.objects.order_by("number")),
        "instituciones": (
            tables.institutions_table(institution_counts),
            Institution.objects.select_related("country").order_by("kind", "name"),
        ),
        "grupos_de_poblacion": (
            TARGET_GROUPS,
            TargetGroup.objects.select_related("parent").order_by("name"),
        ),
    }


def descriptor(request, names):
    """The datapackage.json of the resources `names`."""
    home = request.build_absolute_uri(reverse("catalogue:home"))
    return {
        "profile": "tabular-data-package",
        "name": "buenas-practicas-migracion",
        "title": _("Buenas Prácticas en migración"),
        "description": _(
            "Las buenas prácticas que México informó en las consultas de la resolución "
            "A/HRC/35/L.28, por área temática, con sus instrumentos, instituciones y "
            "grupos de población. Solo los registros publicados."
        ),
        "homepage": home,
        "licenses": [LICENSE],
        "resources": [resource(name, request) for name in names],
    }


def resource(name, request):
    table = resources({})[name][0]
    return {
        "name": name.replace("_", "-"),
        "path": f"{name}.csv",
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8-sig",
        "licenses": [LICENSE],
        "schema": {
            "fields": [
                {"name": header, "type": TYPES.get(header, "string")}
                for header, _value in table.columns
            ],
            "primaryKey": ["url"],
        },
    }
