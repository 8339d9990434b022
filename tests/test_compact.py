"""The Global Compact's objectives and the SDG targets: official vocabularies, an
editorial crosswalk from every practice and instrument, and the pages that browse it."""

import re

import pytest
from django.conf import settings
from django.db import IntegrityError, transaction

from compact.models import GuidingPrinciple, Objective, ObjectiveLink, SDGTarget
from core.records import PublicationStatus
from practices.models import Practice
from programs.models import Instrument

SOURCE = settings.SOURCE_DOCUMENT.read_text(encoding="utf-8")
TARGETS = ["5.2", "8.7", "8.8", "10.7", "10.c", "16.2", "16.9", "17.18"]

pytestmark = pytest.mark.usefixtures("knowledge_base")


def normalized(text):
    return re.sub(r"\s+", " ", text.replace("\r\n", "\n")).strip()


# Vocabularies ------------------------------------------------------------------------


def test_the_vocabularies_are_complete_and_sourced():
    assert list(Objective.objects.values_list("number", flat=True)) == list(range(1, 24))
    assert GuidingPrinciple.objects.count() == 10
    assert set(TARGETS) <= set(SDGTarget.objects.values_list("code", flat=True))
    for objective in Objective.objects.all():
        assert objective.title_es and objective.title_en and objective.short_title_es
        assert objective.source_url.startswith("https://")
    for target in SDGTarget.objects.all():
        assert target.text_es and target.text_en and target.source_url.startswith("https://")
        assert target.code.split(".")[0] == str(target.goal)


def test_official_titles_as_in_the_resolution():
    assert Objective.objects.get(number=10).title_en == (
        "Prevent, combat and eradicate trafficking in persons in the context of "
        "international migration"
    )
    assert SDGTarget.objects.get(code="10.7").text_es.startswith(
        "Facilitar la migración y la movilidad ordenadas, seguras, regulares y responsables"
    )


def test_an_objective_outside_1_to_23_is_refused():
    with pytest.raises(IntegrityError), transaction.atomic():
        Objective.objects.create(
            number=24, short_title_es="x", short_title_en="x", title_es="x", title_en="x",
            source_url="https://example.org",
        )  # fmt: skip


# Crosswalk ---------------------------------------------------------------------------


@pytest.mark.parametrize("model", [Practice, Instrument], ids=lambda model: model.__name__)
def test_every_published_record_serves_an_objective_with_a_rationale(model):
    records = model.objects.published()
    assert records.exists()
    for record in records:
        links = list(record.objective_links.all())
        assert links, f"{record}: no objective"
        assert all(link.rationale.strip() for link in links), record


def test_every_rationale_rests_on_a_verbatim_passage_of_the_source():
    source = normalized(SOURCE)
    links = list(ObjectiveLink.objects.all())
    assert len(links) > 60
    for link in links:
        assert link.source_quote.strip()
        assert normalized(link.source_quote) in source, f"{link}: passage not in source"


def test_a_link_names_a_practice_or_an_instrument_never_both():
    objective = Objective.objects.get(number=1)
    practice = Practice.objects.first()
    instrument = Instrument.objects.first()
    for practice_, instrument_ in ((practice, instrument), (None, None)):
        with pytest.raises(IntegrityError), transaction.atomic():
            ObjectiveLink.objects.create(
                objective=objective,
                practice=practice_,
                instrument=instrument_,
                rationale="x",
                source_quote="x",
            )


def test_objective_counts_include_zero_and_only_published_records():
    counts = {o.number: o for o in Objective.objects.with_counts()}
    assert len(counts) == 23
    assert counts[11].instrument_count == 0 and counts[11].practice_count == 0
    trafficking = counts[10].instrument_count
    assert trafficking >= 2
    instrument = Instrument.objects.get(slug="protocolo-victimas-de-trata")
    instrument.publication_status = PublicationStatus.DRAFT
    instrument.save()
    assert Objective.objects.with_counts().get(number=10).instrument_count == trafficking - 1
