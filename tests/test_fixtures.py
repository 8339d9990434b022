"""The shipped knowledge base: faithful to the source document, complete and linked."""

import io
import json
import shutil

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db.models import Count

from core.knowledge_base import knowledge_base_models
from core.records import DatePrecision, PublicationStatus
from core.search.vocabulary import SearchTerm
from practices.models import Practice, ThematicArea
from programs.models import (
    LEGAL_KINDS,
    Institution,
    Instrument,
    KeyFigure,
    Place,
    PlaceKind,
    TargetGroup,
)

SOURCE = settings.SOURCE_DOCUMENT.read_text(encoding="utf-8")
QUOTED_MODELS = [ThematicArea, Practice, Instrument, Institution, TargetGroup, Place, KeyFigure]

pytestmark = pytest.mark.usefixtures("knowledge_base")


def snapshot():
    out = io.StringIO()
    # The records only: not the search vocabulary (an index rebuilt on each load), nor
    # the change history (which outlives reloads).
    labels = [model._meta.label for model in knowledge_base_models() if model is not SearchTerm]
    call_command("dumpdata", *labels, natural_foreign=True, natural_primary=True, stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.parametrize("model", QUOTED_MODELS, ids=lambda model: model.__name__)
def test_every_quote_occurs_verbatim_in_the_source(model):
    records = list(model.objects.all())
    assert records
    for record in records:
        if record.source_quote:
            assert record.source_quote in SOURCE, f"{model.__name__} {record}: quote not in source"
        else:
            assert record.citation, f"{model.__name__} {record}: neither quote nor citation"


def test_display_text_corrects_the_sources_typos():
    typos = [
        "pre configurará",
        "terrero propio",
        "se comentan",
        "la remesas",
        "pobreza xenofobia",
        "prevención u resolución",
        "en respecto al",
        "El tercero inicio",
        "Desde 2013 a diciembre",
    ]
    display = (
        [text for area in ThematicArea.objects.all() for text in (area.title, area.resolution_text)]
        + [
            text
            for practice in Practice.objects.all()
            for text in (practice.title, practice.summary, practice.body)
        ]
        + [
            text
            for instrument in Instrument.objects.all()
            for text in (instrument.name, instrument.summary, instrument.description)
        ]
    )
    for typo in typos:
        assert typo in SOURCE  # the typo is really there to correct
        assert not [text for text in display if typo in text], typo


def test_six_areas_each_with_practices_in_source_order():
    areas = ThematicArea.objects.annotate(count=Count("practices")).order_by("number")
    assert [area.number for area in areas] == [1, 2, 3, 4, 5, 6]
    for area in areas:
        positions = list(area.practices.values_list("position", flat=True))
        assert positions == list(range(1, area.count + 1))
    practices = list(Practice.objects.all())
    offsets = [SOURCE.index(practice.source_quote) for practice in practices]
    assert offsets == sorted(offsets), "practices are not in the source document's order"


def test_every_instrument_is_reached_from_a_practice_and_has_what_its_passage_names():
    """Groups only where the source names them (tests/test_provenance.py): most records
    have some; the certifications, whose passage names nobody, and the PTRM 2017, whose
    passage says only when it runs, have none."""
    instruments = Instrument.objects.annotate(
        practice_count=Count("practices", distinct=True),
        group_count=Count("target_groups", distinct=True),
        institution_count=Count("institutions", distinct=True),
    )
    for instrument in instruments:
        assert instrument.practice_count, f"{instrument}: no practice"
        assert instrument.institution_count, f"{instrument}: no institution"
    without_groups = {i.slug for i in instruments if not i.group_count}
    assert without_groups == {
        "sistema-nacional-de-competencias",
        "certificacion-nacional-de-nivel-de-idioma",
        "ptrm-2017",
    }


def test_links_are_consistent():
    for instrument in Instrument.objects.prefetch_related("legal_basis", "related"):
        for law in instrument.legal_basis.all():
            assert law.kind in LEGAL_KINDS, f"{instrument} rests on {law}, not a law"
            assert law != instrument
        for other in instrument.related.all():
            assert instrument in other.related.all()
        seen = {instrument.pk}
        ancestor = instrument.parent
        while ancestor is not None:
            assert ancestor.pk not in seen, f"{instrument}: parent cycle"
            seen.add(ancestor.pk)
            ancestor = ancestor.parent
    for state in Place.objects.filter(kind=PlaceKind.STATE):
        assert state.country.code == "MX"


def test_partial_dates_are_stored_at_their_widest():
    for record in [*Instrument.objects.all(), *KeyFigure.objects.all()]:
        if record.start_date:
            assert record.start_date == DatePrecision(record.start_precision).first_day(
                record.start_date
            )
        if record.end_date:
            assert record.end_date == DatePrecision(record.end_precision).last_day(record.end_date)


def test_everything_shipped_is_published():
    assert not Instrument.objects.exclude(publication_status=PublicationStatus.PUBLISHED)
    assert not Practice.objects.exclude(publication_status=PublicationStatus.PUBLISHED)


def figure(instrument_slug, figure_slug):
    return KeyFigure.objects.get_by_natural_key(instrument_slug, figure_slug)


def test_facts_from_the_source():
    ptrm_2008 = Instrument.objects.get(acronym="PTRM 2008")
    assert (ptrm_2008.start_display, ptrm_2008.end_display) == ("noviembre de 2008", "mayo de 2011")
    assert figure("ptrm-2008", "beneficiarios").value == 10122

    cards = figure("tarjeta-de-visitante-trabajador-fronterizo", "tarjetas-expedidas")
    assert cards.value == 60569
    assert (cards.start_display, cards.end_display) == ("2013", "diciembre de 2016")
    tvtf = cards.instrument
    assert {place.code for place in tvtf.places.all()} >= {"GT", "BZ", "MX-CHP", "MX-TAB"}

    program_3x1 = Instrument.objects.get(slug="programa-3x1-para-migrantes")
    assert program_3x1.start_display == "2002"
    assert figure(program_3x1.slug, "aportacion-por-peso").value == 3

    memorandum = Instrument.objects.get(kind="memorandum")
    assert memorandum.start_display == "14 de octubre de 2016"
    assert {place.code for place in memorandum.places.all()} == {"MX", "SV", "GT", "HN"}

    assert Place.objects.filter(kind=PlaceKind.STATE).count() == 6


def test_statuses_only_where_the_source_states_them():
    assert Instrument.objects.get(acronym="PTRM 2008").status == "concluido"  # «finalizó»
    assert Instrument.objects.get(acronym="PLM").status == "previsto"  # stated: proposed
    # «concluirá el 19 de diciembre»: a planned end, no status
    assert Instrument.objects.get(acronym="PTRM 2017").status is None
    assert Instrument.objects.get(acronym="LM").status is None  # no end date says nothing
    assert Instrument.objects.get(acronym="SOMMEX").status is None  # «lanzó», «vigencia de 3 años»


def test_child_groups_sit_under_their_parents():
    unaccompanied = TargetGroup.objects.get(slug="nna-no-acompanados")
    assert unaccompanied.parent.slug == "ninas-ninos-y-adolescentes"


def test_loading_twice_changes_nothing():
    before = snapshot()
    call_command("load_knowledge_base", verbosity=0)
    assert snapshot() == before


def test_if_empty_never_overwrites_editors_work():
    Instrument.objects.filter(acronym="LM").update(summary="Editado por una editora.")
    call_command("load_knowledge_base", if_empty=True, verbosity=0)
    assert Instrument.objects.get(acronym="LM").summary == "Editado por una editora."


def test_replace_restores_the_fixtures():
    before = snapshot()
    Instrument.objects.filter(acronym="LM").update(summary="Editado.")
    Practice.objects.first().delete()
    call_command("load_knowledge_base", replace=True, verbosity=0)
    assert snapshot() == before


def test_a_malformed_fixture_names_the_file_and_changes_nothing(tmp_path, settings):
    fixtures = tmp_path / "fixtures"
    shutil.copytree(settings.FIXTURE_DIRS[0], fixtures)
    instruments = json.loads((fixtures / "instruments.json").read_text(encoding="utf-8"))
    instruments[3]["fields"]["target_groups"] = [["no-such-group"]]
    (fixtures / "instruments.json").write_text(json.dumps(instruments), encoding="utf-8")
    settings.FIXTURE_DIRS = [fixtures]
    before = snapshot()

    with pytest.raises(CommandError, match="instruments.json"):
        call_command("load_knowledge_base", replace=True, verbosity=0)

    assert snapshot() == before
