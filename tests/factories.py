"""Builders shared by tests: each creates a valid record; keyword arguments override any
field. Their defaults are the records a test of an empty database starts from."""

from decimal import Decimal

from core.sources import Source
from practices.models import Practice, ThematicArea
from programs.models import (
    Institution,
    InstitutionKind,
    Instrument,
    InstrumentKind,
    KeyFigure,
    Participation,
    Place,
    PlaceKind,
    Role,
    TargetGroup,
)


def shipped_source():
    """The source document shipped with the repository, whose text the quotes below are
    from (every quote must occur in its source's text)."""
    source, _ = Source.objects.get_or_create(
        slug="mexico-a-hrc-35-l28",
        defaults=dict(
            title="Buenas prácticas y políticas de México",
            issuer="México",
            language="es-MX",
            text_file="mexico-a-hrc-35-l28.txt",
        ),
    )
    return source


def make_area(number=1, **fields):
    fields = {"source": shipped_source()} | fields
    defaults = dict(
        slug=f"area-{number}",
        title="Protección de derechos",
        source_quote="Buenas prácticas y políticas de México",
    )
    defaults["resolution_text"] = "Texto de la resolución."
    return ThematicArea.objects.create(number=number, **(defaults | fields))


def make_place(code="MX", **fields):
    fields = {"source": shipped_source()} | fields
    defaults = dict(name="México", kind=PlaceKind.COUNTRY, source_quote="México")
    return Place.objects.create(code=code, **(defaults | fields))


def make_institution(slug="inm", **fields):
    fields = {"source": shipped_source()} | fields
    defaults = dict(name="Instituto Nacional de Migración", source_quote="el INM")
    defaults["kind"] = InstitutionKind.FEDERAL_GOVERNMENT
    return Institution.objects.create(slug=slug, **(defaults | fields))


def make_group(slug="ninez", **fields):
    fields = {"source": shipped_source()} | fields
    defaults = dict(name="Niñas, niños y adolescentes", source_quote="la niñez")
    return TargetGroup.objects.create(slug=slug, **(defaults | fields))


def make_instrument(slug="ley-de-migracion", **fields):
    fields = {"source": shipped_source()} | fields
    defaults = dict(name="Ley de Migración", kind=InstrumentKind.LAW, source_quote="la Ley")
    defaults["summary"] = "Regula la entrada y salida de personas."
    for end in ("start", "end"):  # a date says what it marks
        if fields.get(f"{end}_date") and f"{end}_kind" not in fields:
            defaults[f"{end}_kind"] = "sin-precisar"
    return Instrument.objects.create(slug=slug, **(defaults | fields))


def make_practice(slug="atencion-ninez", area=None, **fields):
    fields = {"source": shipped_source()} | fields
    area = area or ThematicArea.objects.first() or make_area()
    defaults = dict(title="Atención a la niñez migrante", summary="Resumen.", body="Texto.")
    defaults |= dict(
        source_quote="La Ley de Migración se sustenta", position=area.practices.count() + 1
    )
    return Practice.objects.create(slug=slug, area=area, **(defaults | fields))


def make_participation():
    return Participation.objects.create(
        instrument=make_instrument(acronym="LM"),
        institution=make_institution(acronym="INM"),
        role=Role.LEAD,
    )


def make_figure(slug="beneficiarios", instrument=None, **fields):
    fields = {"source": shipped_source()} | fields
    defaults = dict(
        value=Decimal("1500"), unit="personas", source_quote="el Estado mexicano aporta tres pesos"
    )
    defaults["measure"] = "extranjeros beneficiados"
    return KeyFigure.objects.create(
        slug=slug, instrument=instrument or make_instrument(), **(defaults | fields)
    )
