import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core import serializers
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from core.records import DatePrecision, PublicationStatus
from practices.models import ThematicArea
from programs.models import (
    END_KINDS,
    START_KINDS,
    Institution,
    InstitutionKind,
    Instrument,
    InstrumentKind,
    Participation,
    Place,
    PlaceKind,
    Role,
    Status,
)
from tests.factories import (
    make_area,
    make_figure,
    make_group,
    make_institution,
    make_instrument,
    make_participation,
    make_place,
    make_practice,
)

# Constraints are tested on records of their own, without the knowledge base.
pytestmark = pytest.mark.usefixtures("empty_database")


def assert_rejected(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


# 1. Database constraints


@pytest.mark.parametrize("number", [0, 7])
def test_area_number_outside_1_to_6_is_rejected(db, number):
    assert_rejected(lambda: make_area(number))


@pytest.mark.parametrize("number", [1, 6])
def test_area_number_1_and_6_are_accepted(db, number):
    assert make_area(number).pk


@pytest.mark.parametrize("make", [make_instrument, make_institution, make_group, make_practice])
def test_duplicate_slug_is_rejected(db, make):
    make(slug="repetido")
    assert_rejected(lambda: make(slug="repetido"))


@pytest.mark.parametrize("make", [make_instrument, make_institution])
def test_acronym_is_unique_unless_blank(db, make):
    make(slug="primero", acronym="LM")
    assert_rejected(lambda: make(slug="segundo", acronym="LM"))
    make(slug="sin-siglas-1", acronym="")
    make(slug="sin-siglas-2", acronym="")


@pytest.mark.parametrize("make", [make_instrument, make_figure])
def test_end_before_start_is_rejected(db, make):
    dates = {"start_precision": "day", "end_precision": "day"}
    assert_rejected(lambda: make(start_date=date(2020, 1, 2), end_date=date(2020, 1, 1), **dates))


@pytest.mark.parametrize("prefix", ["start", "end"])
@pytest.mark.parametrize(
    "date_value, precision", [(date(2016, 6, 1), ""), (None, DatePrecision.MONTH)]
)
def test_date_and_precision_go_together(db, prefix, date_value, precision):
    fields = {f"{prefix}_date": date_value, f"{prefix}_precision": precision}
    assert_rejected(lambda: make_instrument(**fields))


def stated_instrument():
    return make_instrument(stated_status=Status.PLANNED, status_quote="la Ley")


def dated_instrument():
    dates = dict(start_date=date(2016, 1, 1), start_precision="year", start_kind="lanzado")
    dates |= dict(end_date=date(2018, 12, 31), end_precision="year", end_kind="concluido")
    return make_instrument(**dates)


# A write that bypasses validation (shell, raw import) must still be refused.
@pytest.mark.parametrize(
    "make, field",
    [(make_instrument, f) for f in ["kind", "stated_status", "publication_status", "end_precision"]]
    + [(dated_instrument, f) for f in ["start_kind", "end_kind"]]
    + [(make_institution, "kind"), (make_place, "kind"), (make_participation, "role")]
    + [(make_practice, "publication_status")],
)
def test_invalid_choice_written_to_database_is_rejected(db, make, field):
    record = make()
    assert_rejected(lambda: type(record).objects.filter(pk=record.pk).update(**{field: "nope"}))


# Catches a choice added without a migration for its CHECK, or too long for its column.
@pytest.mark.parametrize(
    "make, field, value",
    [(make_instrument, "kind", v) for v in InstrumentKind.values]
    + [(make_institution, "kind", v) for v in InstitutionKind.values]
    + [(make_participation, "role", v) for v in Role.values]
    + [(stated_instrument, "stated_status", v) for v in Status.values]
    + [(dated_instrument, "start_kind", v.value) for v in START_KINDS]
    + [(dated_instrument, "end_kind", v.value) for v in END_KINDS],
)
def test_every_choice_is_accepted_by_the_database(db, make, field, value):
    record = make()
    type(record).objects.filter(pk=record.pk).update(**{field: value})
    record.refresh_from_db()
    assert getattr(record, field) == value


@pytest.mark.parametrize(
    "make", [make_place, make_institution, make_group, make_instrument, make_practice]
)
def test_record_needs_a_source(db, make):
    assert_rejected(lambda: make(source_quote="", citation=""))
    # The rejected row was rolled back, so the same key is free again.
    assert make(source_quote="", citation="https://www.dof.gob.mx/")


@pytest.mark.parametrize("field", ["unit", "source_quote"])
def test_key_figure_needs_unit_and_quote(db, field):
    assert_rejected(lambda: make_figure(**{field: ""}))


def test_key_figure_slug_is_unique_within_its_instrument(db):
    first = make_figure(slug="beneficiarios")
    assert_rejected(lambda: make_figure(slug="beneficiarios", instrument=first.instrument))
    assert make_figure(slug="beneficiarios", instrument=make_instrument(slug="otra"))


def test_state_needs_a_country(db):
    assert_rejected(lambda: make_place("MX-CHP", name="Chiapas", kind=PlaceKind.STATE))
    mexico = make_place("MX")
    assert make_place("MX-CHP", name="Chiapas", kind=PlaceKind.STATE, country=mexico)
    assert_rejected(lambda: make_place("GT", name="Guatemala", country=mexico))


def test_two_practices_cannot_share_a_position_in_an_area(db):
    area = make_area()
    make_practice("primera", area=area, position=1)
    assert_rejected(lambda: make_practice("segunda", area=area, position=1))
    assert make_practice("en-otra-area", area=make_area(2), position=1)


def test_duplicate_participation_is_rejected(db):
    first = make_participation()
    same = {"instrument": first.instrument, "institution": first.institution}
    assert_rejected(lambda: Participation.objects.create(role=Role.LEAD, **same))
    assert Participation.objects.create(role=Role.FUNDER, **same)


# 2. full_clean() and clean()


@pytest.mark.parametrize(
    "prefix, value, precision, expected",
    [
        ("start", date(2016, 6, 15), DatePrecision.MONTH, date(2016, 6, 1)),
        ("start", date(2016, 6, 15), DatePrecision.YEAR, date(2016, 1, 1)),
        ("start", date(2016, 6, 15), DatePrecision.DAY, date(2016, 6, 15)),
        ("end", date(2011, 5, 3), DatePrecision.MONTH, date(2011, 5, 31)),
        ("end", date(2016, 2, 10), DatePrecision.MONTH, date(2016, 2, 29)),
        ("end", date(2015, 2, 10), DatePrecision.MONTH, date(2015, 2, 28)),
        ("end", date(2016, 6, 15), DatePrecision.YEAR, date(2016, 12, 31)),
        ("end", date(2016, 6, 15), DatePrecision.DAY, date(2016, 6, 15)),
    ],
)
def test_full_clean_widens_partial_dates(db, prefix, value, precision, expected):
    instrument = make_instrument(**{f"{prefix}_date": value, f"{prefix}_precision": precision})
    instrument.full_clean()
    assert getattr(instrument, f"{prefix}_date") == expected


@pytest.mark.parametrize("prefix", ["start", "end"])
@pytest.mark.parametrize(
    "value, precision, error_field",
    [(date(2016, 6, 1), "", "precision"), (None, DatePrecision.YEAR, "date")],
)
def test_date_without_precision_is_a_field_error(db, prefix, value, precision, error_field):
    instrument = make_instrument()
    setattr(instrument, f"{prefix}_date", value)
    setattr(instrument, f"{prefix}_precision", precision)
    setattr(instrument, f"{prefix}_kind", "sin-precisar" if value else "")  # its kind is given
    with pytest.raises(ValidationError) as excinfo:
        instrument.full_clean()
    assert list(excinfo.value.message_dict) == [f"{prefix}_{error_field}"]


@pytest.mark.parametrize("make", [make_instrument, make_group])
def test_parent_cycle_is_rejected(db, make):
    model = make(slug="a").__class__
    make(slug="b", parent=model.objects.get(slug="a"))
    make(slug="c", parent=model.objects.get(slug="b"))
    model.objects.get(slug="c").full_clean()  # a plain chain is fine

    # Fresh instances, as the admin would load them.
    a = model.objects.get(slug="a")
    a.parent = model.objects.get(slug="c")
    with pytest.raises(ValidationError) as excinfo:
        a.full_clean()
    assert "parent" in excinfo.value.message_dict

    a.parent = a
    with pytest.raises(ValidationError):
        a.full_clean()


@pytest.mark.parametrize(
    "build, message",
    [
        (
            lambda: Instrument(
                **{"start_date": date(2020, 1, 2), "start_precision": "day"},
                **{"end_date": date(2020, 1, 1), "end_precision": "day"},
            ),
            "El término no puede ser anterior al inicio.",
        ),
        (lambda: Place(kind=PlaceKind.STATE), "Una entidad federativa pertenece a un país."),
        (lambda: Institution(), "Indique la cita de la fuente u otra fuente pública."),
        (lambda: ThematicArea(number=7), "La resolución tiene seis áreas: del 1 al 6."),
    ],
)
def test_constraint_messages_surface_in_full_clean(db, build, message):
    with pytest.raises(ValidationError) as excinfo:
        build().full_clean()
    assert message in excinfo.value.messages


# clean() still runs after clean_fields() has rejected a value: it must not crash on it.
@pytest.mark.parametrize(
    "value, precision, error_field",
    [(date(2016, 6, 1), "week", "start_precision"), ("2016-13-45", "month", "start_date")],
)
def test_full_clean_reports_an_invalid_date_or_precision(db, value, precision, error_field):
    instrument = make_instrument()
    instrument.start_date, instrument.start_precision = value, precision
    with pytest.raises(ValidationError) as excinfo:
        instrument.full_clean()
    assert error_field in excinfo.value.message_dict


# 3. DatePrecision.format


@pytest.mark.parametrize(
    "precision, value, expected",
    [
        (DatePrecision.YEAR, date(2016, 6, 1), "2016"),
        (DatePrecision.MONTH, date(2016, 6, 1), "junio de 2016"),
        (DatePrecision.DAY, date(2016, 10, 14), "14 de octubre de 2016"),
    ],
)
def test_format_in_spanish(precision, value, expected):
    # Spanish writes month names in lowercase; Django's es_MX catalogue capitalises them,
    # which the project's own catalogue (locale/es_MX) corrects.
    with translation.override("es-mx"):
        assert precision.format(value) == expected


def test_format_follows_the_active_language():
    with translation.override("en"):
        assert DatePrecision.MONTH.format(date(2016, 6, 1)) == "June 2016"


# 4. Instrument.status: only the one the source states, never one the dates give


@pytest.mark.parametrize(
    "stated, start_offset, end_offset, expected",
    [
        (Status.PLANNED, -400, -10, Status.PLANNED),
        (Status.CONCLUDED, None, None, Status.CONCLUDED),
        ("", 30, None, None),
        ("", -400, -1, None),
        ("", None, None, None),
        ("", -30, 30, None),
        ("", None, -1, None),
    ],
)
def test_status_is_only_the_stated_one(stated, start_offset, end_offset, expected):
    today = timezone.localdate()

    def day(offset):
        return None if offset is None else today + timedelta(days=offset)

    instrument = Instrument(
        stated_status=stated, start_date=day(start_offset), end_date=day(end_offset)
    )
    assert instrument.status == expected


def test_a_date_reads_with_its_kind():
    instrument = Instrument(
        start_date=date(2017, 1, 9), start_precision="day", start_kind="iniciado",
        end_date=date(2017, 12, 19), end_precision="day", end_kind="previsto-hasta",
        source_quote="El tercero inicio el 9 de enero de 2017 y concluirá el 19 de diciembre",
    )  # fmt: skip
    assert instrument.dates_display == (
        "iniciado el 9 de enero de 2017; previsto hasta el 19 de diciembre de 2017"
    )
    assert instrument.planned_end
    launched = Instrument(
        start_date=date(2016, 6, 1), start_precision="month", start_kind="lanzado"
    )
    assert launched.dates_display == "lanzado en junio de 2016"
    assert not launched.planned_end


# 5. Natural keys


@pytest.mark.parametrize(
    "make, key",
    [
        (make_area, (1,)),
        (make_place, ("MX",)),
        (make_institution, ("inm",)),
        (make_group, ("ninez",)),
        (make_instrument, ("ley-de-migracion",)),
        (make_practice, ("atencion-ninez",)),
        (make_participation, ("ley-de-migracion", "inm", "responsable")),
        (make_figure, ("ley-de-migracion", "beneficiarios")),
    ],
)
def test_natural_key_round_trip(db, make, key):
    record = make()
    assert record.natural_key() == key
    assert type(record).objects.get_by_natural_key(*key) == record


def test_serialized_instrument_uses_natural_keys_and_loads_back(db):
    parent = make_instrument(slug="programa-paisano", kind=InstrumentKind.PROGRAM)
    # Fixtures carry their own timestamps; loading must keep them.
    stamp = datetime(2020, 1, 1, tzinfo=UTC)
    child = make_instrument(slug="operativo-invierno", parent=parent, created_at=stamp)
    Instrument.objects.filter(pk=child.pk).update(updated_at=stamp)
    child.refresh_from_db()
    child.target_groups.add(make_group())

    text = serializers.serialize(
        "json", [child], use_natural_foreign_keys=True, use_natural_primary_keys=True
    )
    [record] = json.loads(text)
    assert "pk" not in record
    assert record["fields"]["parent"] == ["programa-paisano"]
    assert record["fields"]["target_groups"] == [["ninez"]]

    child.delete()
    for obj in serializers.deserialize("json", text):
        obj.save()
    restored = Instrument.objects.get(slug="operativo-invierno")
    assert restored.parent == parent
    assert (restored.created_at, restored.updated_at) == (stamp, stamp)


# 6. __str__ and get_absolute_url


@pytest.mark.parametrize(
    "make, expected",
    [
        (make_area, "1. Protección de derechos"),
        (make_place, "México"),
        (make_institution, "Instituto Nacional de Migración"),
        (lambda: make_institution(acronym="INM"), "Instituto Nacional de Migración (INM)"),
        (make_group, "Niñas, niños y adolescentes"),
        (make_instrument, "Ley de Migración"),
        (lambda: make_instrument(acronym="LM"), "Ley de Migración (LM)"),
        (make_practice, "Atención a la niñez migrante"),
        (
            make_participation,
            "Instituto Nacional de Migración (INM) — responsable — Ley de Migración (LM)",
        ),
        (make_figure, "extranjeros beneficiados: 1500 personas"),
        (lambda: make_figure(value=Decimal("12.50")), "extranjeros beneficiados: 12.5 personas"),
    ],
)
def test_str(db, make, expected):
    record = make()
    record.refresh_from_db()  # decimals come back from the database as 1500.00
    with translation.override("es-mx"):
        assert str(record) == expected


@pytest.mark.parametrize(
    "make, expected",
    [
        (make_area, "/areas/area-1/"),
        (make_practice, "/practicas/atencion-ninez/"),
        (make_instrument, "/instrumentos/ley-de-migracion/"),
        (make_institution, "/instituciones/inm/"),
        (make_group, "/grupos/ninez/"),
        (make_figure, "/instrumentos/ley-de-migracion/#cifra-beneficiarios"),
    ],
)
def test_get_absolute_url(db, make, expected):
    assert make().get_absolute_url() == expected


# 7. published()


@pytest.mark.parametrize("make", [make_instrument, make_practice])
def test_published_returns_only_published_records(db, make):
    make(slug="borrador")
    published = make(slug="publicado", publication_status=PublicationStatus.PUBLISHED)
    model = type(published)
    assert list(model.objects.published()) == [published]
    assert model.objects.count() == 2


# 8. TimeStampedModel


@pytest.fixture
def stale_institution(db):
    """An institution whose timestamps lie a day in the past."""
    institution = make_institution()
    past = timezone.now() - timedelta(days=1)
    Institution.objects.filter(pk=institution.pk).update(created_at=past, updated_at=past)
    institution.refresh_from_db()
    return institution, past


def test_save_moves_updated_at_and_keeps_created_at(stale_institution):
    institution, past = stale_institution
    institution.description = "Órgano desconcentrado."
    institution.save()
    institution.refresh_from_db()
    assert institution.updated_at > past
    assert institution.created_at == past


def test_save_with_update_fields_also_writes_updated_at(stale_institution):
    institution, past = stale_institution
    institution.name = "INM"
    institution.save(update_fields=["name"])
    institution.refresh_from_db()
    assert institution.name == "INM"
    assert institution.updated_at > past
    assert institution.created_at == past


def test_choice_labels_follow_the_language_of_the_page_that_shows_them():
    """Labels are looked up in a table built once per field and language
    (core.records.choice_labels), in the language active when shown, whichever language
    asked first."""
    instrument = Instrument(kind=InstrumentKind.CAMPAIGN)
    participation = Participation(role=Role.TECHNICAL_SUPPORT)
    with translation.override("en"):
        assert instrument.get_kind_display() == "campaign"
    with translation.override("es-mx"):
        assert instrument.get_kind_display() == "campaña"
        assert participation.get_role_display() == "apoyo técnico"
    # A value outside the choices (an unvalidated record) is shown as it is.
    assert Instrument(kind="otro").get_kind_display() == "otro"
