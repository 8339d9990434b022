"""The synthetic corpus `make bench` measures the site with: `generate_corpus` makes the
records asked for, linked like real ones and the same for the same seed; readers can browse
and search them; `--clear` takes every one away and leaves the real knowledge base as it was;
and none ever reaches the fixtures editors export."""

import io
import re

import pytest
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.management import CommandError, call_command

from practices.knowledge_base import knowledge_base_models
from practices.models import Practice
from programs.models import (
    Institution,
    Instrument,
    KeyFigure,
    Participation,
    Place,
    PlaceKind,
    PublicationStatus,
)

INSTRUMENTS = 100  # with seed 1, enough practices to reach all six areas
SEED = 1
BATCH = 25  # four batches
SHIPPED = sorted(settings.FIXTURE_DIRS[0].glob("*.json"))
CATALOGUE = "/instrumentos/"
REAL_INSTRUMENTS = 45
SYNTHETIC_MODELS = (Instrument, Practice, Institution, Place)


def generate(*, seed=SEED, instruments=INSTRUMENTS):
    call_command(
        "generate_corpus",
        instruments=instruments,
        seed=seed,
        batch=BATCH,
        verbosity=0,
        stdout=io.StringIO(),
    )


def clear():
    call_command("generate_corpus", clear=True, verbosity=0, stdout=io.StringIO())


def row_counts():
    """The rows of every knowledge-base table, links and search vocabulary included."""
    return {
        model._meta.db_table: model.objects.count()
        for model in knowledge_base_models(include_auto_created=True)
    }


def history_counts():
    return {
        model._meta.db_table: model.objects.count()
        for model in apps.get_models()
        if hasattr(model, "instance_type")
    }


def real_records():
    """What readers of the real knowledge base see of its records, links included."""
    instruments = Instrument.objects.filter(is_synthetic=False).order_by("slug")
    return {
        "instruments": list(
            instruments.values_list("slug", "name", "publication_status", "updated_at")
        ),
        "practices": list(
            Practice.objects.filter(is_synthetic=False)
            .order_by("slug")
            .values_list("slug", "title", "area__number", "position", "updated_at")
        ),
        "institutions": list(
            Institution.objects.filter(is_synthetic=False).order_by("slug").values_list("slug")
        ),
        "places": list(Place.objects.filter(is_synthetic=False).order_by("code").values_list()),
        "groups": list(instruments.values_list("slug", "target_groups__slug").order_by()),
        "places_of": list(instruments.values_list("slug", "places__code").order_by()),
        "practices_of": list(instruments.values_list("slug", "practices__slug").order_by()),
        "participations": Participation.objects.filter(instrument__is_synthetic=False).count(),
        "figures": KeyFigure.objects.filter(instrument__is_synthetic=False).count(),
    }


def synthetic_corpus():
    """Every synthetic record and link, by natural keys (ids differ from run to run)."""
    instruments = (
        Instrument.objects.filter(is_synthetic=True)
        .order_by("slug")
        .prefetch_related(
            "target_groups", "places", "practices", "participations__institution", "key_figures"
        )
    )
    return {
        "instruments": [
            (
                instrument.slug,
                instrument.name,
                instrument.kind,
                instrument.publication_status,
                instrument.summary,
                instrument.description,
                instrument.start_date,
                instrument.end_date,
                instrument.created_at,
                sorted(group.slug for group in instrument.target_groups.all()),
                sorted(place.code for place in instrument.places.all()),
                sorted(practice.slug for practice in instrument.practices.all()),
                sorted((p.institution.slug, p.role) for p in instrument.participations.all()),
                sorted((f.slug, f.value) for f in instrument.key_figures.all()),
            )
            for instrument in instruments
        ],
        "practices": list(
            Practice.objects.filter(is_synthetic=True)
            .order_by("slug")
            .values_list("slug", "title", "area__number", "position", "publication_status", "body")
        ),
        "institutions": list(
            Institution.objects.filter(is_synthetic=True)
            .order_by("slug")
            .values_list("slug", "name", "kind", "country__code")
        ),
        "places": sorted(Place.objects.filter(is_synthetic=True).values_list("code", "name")),
    }


def total(response):
    """The number of results a catalogue page announces."""
    return int(re.search(r'<h2 id="resultados">(\d+) ', response.content.decode()).group(1))


# 1. What is generated --------------------------------------------------------------------


def test_generates_the_instruments_asked_for_linked_like_real_ones(knowledge_base):
    before = real_records()
    generate()

    synthetic = Instrument.objects.filter(is_synthetic=True)
    assert synthetic.count() == INSTRUMENTS
    # Numbered 1 to N across the batches, none skipped or made twice.
    numbers = {int(slug.split("-")[1]) for slug in synthetic.values_list("slug", flat=True)}
    assert numbers == set(range(1, INSTRUMENTS + 1))
    assert not synthetic.filter(target_groups=None).exists()
    assert not synthetic.filter(places=None).exists()
    assert not synthetic.filter(practices=None).exists()
    assert not synthetic.filter(participations=None).exists()
    assert synthetic.filter(publication_status=PublicationStatus.PUBLISHED).exists()

    practices = Practice.objects.filter(is_synthetic=True)
    assert set(practices.values_list("area__number", flat=True)) == {1, 2, 3, 4, 5, 6}
    assert Institution.objects.filter(is_synthetic=True).exists()
    countries = Place.objects.filter(is_synthetic=True)
    assert countries.exists()
    assert set(countries.values_list("kind", flat=True)) == {PlaceKind.COUNTRY}

    # Each says it is synthetic, and each would pass the admin's validation.
    for model in SYNTHETIC_MODELS:
        for record in model.objects.filter(is_synthetic=True):
            assert "sintético" in record.citation, record
            if model in (Instrument, Practice):
                record.full_clean()

    assert real_records() == before


@pytest.mark.parametrize("instruments", [95, 100])
def test_every_synthetic_practice_has_instruments(knowledge_base, instruments):
    """As every real one does: a practice page or area page listing a practice with no
    instruments is not what the benchmark should measure."""
    generate(instruments=instruments)
    practices = Practice.objects.filter(is_synthetic=True)
    assert practices.exists()
    assert list(practices.filter(instruments=None)) == []


# 2. Deterministic ------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_corpus_and_another_seed_another(knowledge_base):
    generate()
    first = synthetic_corpus()
    clear()
    generate()
    assert synthetic_corpus() == first

    clear()
    generate(seed=SEED + 1)
    other = synthetic_corpus()
    assert len(other["instruments"]) == INSTRUMENTS
    assert other["instruments"] != first["instruments"]
    assert other["practices"] != first["practices"]


# 3. --clear ------------------------------------------------------------------------------


def test_clear_removes_every_synthetic_record_and_link(knowledge_base):
    loaded, history = row_counts(), history_counts()
    generate()
    assert row_counts() != loaded

    clear()

    assert row_counts() == loaded
    assert history_counts() == history
    for model in SYNTHETIC_MODELS:
        assert not model.objects.filter(is_synthetic=True).exists(), model


def test_generating_over_a_corpus_is_refused(knowledge_base):
    generate()
    counts, corpus = row_counts(), synthetic_corpus()
    with pytest.raises(CommandError, match="--clear"):
        generate(seed=SEED + 1)
    assert row_counts() == counts
    assert synthetic_corpus() == corpus


# 4. Browsable and searchable -------------------------------------------------------------


def test_synthetic_records_have_pages_and_are_found(knowledge_base, client):
    generate()
    published = Instrument.objects.published().filter(is_synthetic=True)
    catalogue = client.get(CATALOGUE)
    assert catalogue.context["page"].paginator.count == REAL_INSTRUMENTS + published.count()

    # One set in a country only the corpus has: its name is found by that word.
    instrument = next(
        record
        for record in published.prefetch_related("places").order_by("pk")
        if any(p.is_synthetic and f" en {p.name} " in record.name for p in record.places.all())
    )
    country = next(p.name for p in instrument.places.all() if p.is_synthetic)
    response = client.get(instrument.get_absolute_url())
    assert response.status_code == 200
    assert instrument.name in response.content.decode()
    found = client.get(CATALOGUE, {"q": country}).context["page"].paginator.object_list
    assert instrument in found
    assert all(record.is_synthetic for record in found)

    practice = Practice.objects.published().filter(is_synthetic=True).first()
    assert client.get(practice.get_absolute_url()).status_code == 200
    institution = Institution.objects.filter(is_synthetic=True).first()
    assert client.get(institution.get_absolute_url()).status_code == 200
    draft = Instrument.objects.filter(is_synthetic=True, publication_status=PublicationStatus.DRAFT)
    assert client.get(draft.first().get_absolute_url()).status_code == 404


def test_cached_pages_follow_generating_and_clearing(knowledge_base, client, settings):
    settings.PAGE_CACHE_SECONDS = 600
    cache.clear()
    assert total(client.get(CATALOGUE)) == REAL_INSTRUMENTS
    assert total(client.get(CATALOGUE)) == REAL_INSTRUMENTS  # now from the cache

    generate()
    published = Instrument.objects.published().filter(is_synthetic=True).count()
    assert total(client.get(CATALOGUE)) == REAL_INSTRUMENTS + published

    clear()
    assert total(client.get(CATALOGUE)) == REAL_INSTRUMENTS
    cache.clear()


# 5. Never in the fixtures ----------------------------------------------------------------


def test_export_after_generating_writes_the_shipped_fixtures(knowledge_base, tmp_path):
    generate()
    call_command("export_fixtures", to=tmp_path, verbosity=0)
    assert SHIPPED
    assert sorted(path.name for path in tmp_path.iterdir()) == [path.name for path in SHIPPED]
    for shipped in SHIPPED:
        assert (tmp_path / shipped.name).read_bytes() == shipped.read_bytes(), shipped.name


# 6. Bad arguments ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "arguments",
    [["--instruments", "0"], ["--instruments", "-3"], ["--instruments", "10", "--batch", "0"]],
)
def test_bad_arguments_are_refused(knowledge_base, arguments):
    counts = row_counts()
    with pytest.raises(CommandError):
        call_command("generate_corpus", *arguments, verbosity=0, stdout=io.StringIO())
    assert row_counts() == counts


def test_an_empty_knowledge_base_is_refused(db):
    with pytest.raises(CommandError, match="load_knowledge_base"):
        generate()
    assert not any(model.objects.exists() for model in SYNTHETIC_MODELS)
