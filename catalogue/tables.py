"""The columns of each list's downloads (catalogue/export.py): instruments (the catalogue,
a group's page, the timeline), practices (an area's page) and institutions. Only what the
records hold, and only their published links; an empty field stays empty."""

from django.db.models import Prefetch

from core.bilingual import columns_of
from core.records import PublicationStatus
from core.search.searchable import SEARCH_COLUMNS
from practices.models import Practice
from programs.linked_data import stated_date
from programs.models import DateKind, Instrument, Participation, Place, Status, TargetGroup

from .export import Table, permalink, timestamp


def names(records):
    return [str(record) for record in records]


def search_columns(model, prefix=""):
    names = {field.name for field in model._meta.concrete_fields}
    return [f"{prefix}{column}" for column in SEARCH_COLUMNS if column in names]


def without_search(queryset, *related):
    """`queryset` without the analyzed text of its records (and of those `related`), which
    no row shows and which is most of their size."""
    model = queryset.model
    deferred = search_columns(model)
    for name in related:
        deferred += search_columns(model._meta.get_field(name).related_model, f"{name}__")
    return queryset.defer(*deferred)


def instrument_queryset():
    """The instruments with every link their rows show, read in a few queries a chunk,
    each as a list (`listed_practices`, `listed_participations`, `listed_groups`,
    `listed_places`, `listed_laws`; the laws it rests on, published), each linked record
    with only the columns a row shows of it. Lists rather than related managers' results,
    which make a filtered queryset per instrument and relation; and only those columns, as
    Django compiles and reads every column it is given: a linked instrument's description
    or a practice's text cost more than the rest of a row."""
    practices = Practice.objects.published().select_related("area")
    practices = practices.only(
        "slug", *columns_of("title"), "area__number", *columns_of("area__title")
    )
    return without_search(Instrument.objects.all()).prefetch_related(
        Prefetch("parent", queryset=Instrument.objects.as_links("publication_status")),
        Prefetch("practices", queryset=practices, to_attr="listed_practices"),
        Prefetch(
            "participations",
            queryset=Participation.objects.as_instrument_facts(),
            to_attr="listed_participations",
        ),
        Prefetch("target_groups", queryset=TargetGroup.objects.as_links(), to_attr="listed_groups"),
        Prefetch("places", queryset=Place.objects.as_instrument_facts(), to_attr="listed_places"),
        Prefetch(
            "legal_basis",
            queryset=Instrument.objects.published().as_links(),
            to_attr="listed_laws",
        ),
    )


def areas(instrument):
    found = {practice.area for practice in instrument.listed_practices}
    return [f"{area.number}. {area.title}" for area in sorted(found, key=lambda a: a.number)]


def participants(instrument):
    """Each institution with its role, and the other source it comes from when the source
    document does not state it."""
    return [
        f"{participation.institution} ({participation.get_role_display()}"
        + (f"; fuente: {participation.citation})" if participation.citation else ")")
        for participation in instrument.listed_participations
    ]


def stated_status(instrument):
    return str(Status(instrument.stated_status).label) if instrument.stated_status else ""


def date_kind(value):
    return str(DateKind(value).label) if value else ""


def parent(instrument):
    found = instrument.parent
    return str(found) if found and found.publication_status == PublicationStatus.PUBLISHED else ""


INSTRUMENTS = [
    ("url", permalink),
    ("slug", lambda r, _request: r.slug),
    ("nombre", lambda r, _request: r.name),
    ("siglas", lambda r, _request: r.acronym),
    ("tipo", lambda r, _request: str(r.get_kind_display())),
    ("areas_tematicas", lambda r, _request: areas(r)),
    ("practicas", lambda r, _request: names(r.listed_practices)),
    ("instituciones", lambda r, _request: participants(r)),
    ("grupos_de_poblacion", lambda r, _request: names(r.listed_groups)),
    ("lugares", lambda r, _request: names(r.listed_places)),
    ("fecha_inicio", lambda r, _request: stated_date(r.start_date, r.start_precision)),
    ("tipo_fecha_inicio", lambda r, _request: date_kind(r.start_kind)),
    ("fecha_termino", lambda r, _request: stated_date(r.end_date, r.end_precision)),
    ("tipo_fecha_termino", lambda r, _request: date_kind(r.end_kind)),
    ("estado_declarado", lambda r, _request: stated_status(r)),
    ("cita_estado", lambda r, _request: r.status_quote),
    ("forma_parte_de", lambda r, _request: parent(r)),
    ("fundamento_legal", lambda r, _request: names(r.listed_laws)),
    ("resumen", lambda r, _request: r.summary),
    ("cita_fuente", lambda r, _request: r.source_quote),
    ("citacion", lambda r, _request: r.citation),
    ("actualizado", lambda r, _request: timestamp(r.updated_at)),
]

PRACTICES = [
    ("url", permalink),
    ("slug", lambda r, _request: r.slug),
    ("area_tematica", lambda r, _request: f"{r.area.number}. {r.area.title}"),
    ("orden", lambda r, _request: r.position),
    ("titulo", lambda r, _request: r.title),
    ("resumen", lambda r, _request: r.summary),
    ("instrumentos", lambda r, _request: names(r.instruments.all())),
    ("instrumentos_url", lambda r, request: [permalink(i, request) for i in r.instruments.all()]),
    ("cita_fuente", lambda r, _request: r.source_quote),
    ("actualizado", lambda r, _request: timestamp(r.updated_at)),
]


def instruments_table(name):
    return Table(name, INSTRUMENTS)


def practices_table(name):
    return Table(name, PRACTICES)


def institutions_table(counts):
    """Institutions, each with how many published instruments it takes part in
    (`counts`: {pk: count}, as the list page shows them)."""
    return Table(
        "instituciones",
        [
            ("url", permalink),
            ("slug", lambda r, _request: r.slug),
            ("nombre", lambda r, _request: r.name),
            ("siglas", lambda r, _request: r.acronym),
            ("tipo", lambda r, _request: str(r.get_kind_display())),
            ("pais", lambda r, _request: str(r.country) if r.country else ""),
            ("instrumentos_publicados", lambda r, _request: counts.get(r.pk, 0)),
            ("cita_fuente", lambda r, _request: r.source_quote),
            ("actualizado", lambda r, _request: timestamp(r.updated_at)),
        ],
    )
