"""Builders shared by tests: each creates a valid record; keyword arguments override any
field. Their defaults are the records a test of an empty database starts from."""

from decimal import Decimal

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


def make_area(number=1, **fields):
    defaults = dict(slug=f"area-{number}", title="Protección de derechos", source_quote="Área")
    defaults["resolution_text"] = "Texto de la resolución."
    return ThematicArea.objects.create(number=number, **(defaults | fields))


def make_place(code="MX", **fields):
    defaults = dict(name="México", kind=PlaceKind.COUNTRY, source_quote="México")
    return Place.objects.create(code=code, **(defaults | fields))


def make_institution(slug="inm", **fields):
    defaults = dict(name="Instituto Nacional de Migración", source_quote="el INM")
    defaults["kind"] = InstitutionKind.FEDERAL_GOVERNMENT
    return Institution.objects.create(slug=slug, **(defaults | fields))


def make_group(slug="ninez", **fields):
    defaults = dict(name="Niñas, niños y adolescentes", source_quote="niñas, niños")
    return TargetGroup.objects.create(slug=slug, **(defaults | fields))


def make_instrument(slug="ley-de-migracion", **fields):
    defaults = dict(name="Ley de Migración", kind=InstrumentKind.LAW, source_quote="la Ley")
    defaults["summary"] = "Regula la entrada y salida de personas."
    for end in ("start", "end"):  # a date says what it marks
        if fields.get(f"{end}_date") and f"{end}_kind" not in fields:
            defaults[f"{end}_kind"] = "sin-precisar"
    return Instrument.objects.create(slug=slug, **(defaults | fields))


def make_practice(slug="atencion-ninez", area=None, **fields):
    area = area or ThematicArea.objects.first() or make_area()
    defaults = dict(title="Atención a la niñez migrante", summary="Resumen.", body="Texto.")
    defaults |= dict(source_quote="Texto.", position=area.practices.count() + 1)
    return Practice.objects.create(slug=slug, area=area, **(defaults | fields))


def make_participation():
    return Participation.objects.create(
        instrument=make_instrument(acronym="LM"),
        institution=make_institution(acronym="INM"),
        role=Role.LEAD,
    )


def make_figure(slug="beneficiarios", instrument=None, **fields):
    defaults = dict(value=Decimal("1500"), unit="personas", source_quote="1,500 extranjeros")
    defaults["measure"] = "extranjeros beneficiados"
    return KeyFigure.objects.create(
        slug=slug, instrument=instrument or make_instrument(), **(defaults | fields)
    )
