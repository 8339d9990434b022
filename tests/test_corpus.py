"""The synthetic corpus `make bench` measures the site with: `generate_corpus` makes the
records asked for, linked like real ones and the same for the same seed, beside the real
knowledge base, which it leaves as it was; readers can browse and search them; and it
fills only the database it is told to, by name."""

import io
import re

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from core.knowledge_base import knowledge_base_models
from core.records import PublicationStatus
from ops.management.commands import generate_corpus
from practices.models import Practice
from programs.models import Institution, Instrument, KeyFigure, Participation, Place, PlaceKind

INSTRUMENTS = 100  # with seed 1, enough practices to reach all six areas
SEED = 1
BATCH = 25  # four batches
CATALOGUE = "/instrumentos/"
REAL_INSTRUMENTS = 45
SYNTHETIC_MODELS = (Instrument, Practice, Institution, Place)

pytestmark = pytest.mark.usefixtures("knowledge_base")


def generate(*arguments, seed=SEED, instruments=INSTRUMENTS, database=None):
    call_command(
        generate_corpus.Command(),
        database or connection.settings_dict["NAME"],
        *arguments,
        instruments=instruments,
        seed=seed,
        batch=BATCH,
        verbosity=0,
        stdout=io.StringIO(),
    )


def synthetic(model):
    """The records of `model` the corpus made: each cites itself as synthetic."""
    return model.objects.filter(citation__startswith="Registro sintético")


def real(model):
    return model.objects.exclude(citation__startswith="Registro sintético")


def row_counts():
    """The rows of every knowledge-base table, links and search vocabulary included."""
    return {
        model._meta.db_table: model.objects.count()
        for model in knowledge_base_models(include_auto_created=True)
    }


def real_records():
    """What readers of the real knowledge base see of its records, links included."""
    instruments = real(Instrument).order_by("slug")
    return {
        "instruments": list(
            instruments.values_list("slug", "name", "publication_status", "updated_at")
        ),
        "practices": list(
            real(Practice)
            .order_by("slug")
            .values_list("slug", "title", "area__number", "position", "updated_at")
        ),
        "institutions": list(real(Institution).order_by("slug").values_list("slug")),
        "places": list(real(Place).order_by("code").values_list()),
        "groups": list(instruments.values_list("slug", "target_groups__slug").order_by()),
        "places_of": list(instruments.values_list("slug", "places__code").order_by()),
        "practices_of": list(instruments.values_list("slug", "practices__slug").order_by()),
        "participations": Participation.objects.filter(instrument__in=instruments).count(),
        "figures": KeyFigure.objects.filter(instrument__in=instruments).count(),
    }


def synthetic_corpus():
    """Every synthetic record and link, by natural keys (ids differ from run to run)."""
    instruments = (
        synthetic(Instrument)
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
            synthetic(Practice)
            .order_by("slug")
            .values_list("slug", "title", "area__number", "position", "publication_status", "body")
        ),
        "institutions": list(
            synthetic(Institution)
            .order_by("slug")
            .values_list("slug", "name", "kind", "country__code")
        ),
        "places": sorted(synthetic(Place).values_list("code", "name")),
    }


def generated_and_undone(**options):
    """The corpus `options` generate, generated in a transaction that is then undone."""
    with transaction.atomic():
        generate(**options)
        corpus = synthetic_corpus()
        transaction.set_rollback(True)
    return corpus


def total(response):
    """The number of results a catalogue page announces."""
    return int(re.search(r'<h2 id="resultados">(\d+) ', response.content.decode()).group(1))


# 1. What is generated --------------------------------------------------------------------


def test_generates_the_instruments_asked_for_linked_like_real_ones():
    before = real_records()
    generate()

    instruments = synthetic(Instrument)
    assert instruments.count() == INSTRUMENTS
    assert set(instruments.values_list("slug", flat=True)) == set(
        Instrument.objects.filter(slug__startswith=generate_corpus.SYNTHETIC_SLUG).values_list(
            "slug", flat=True
        )
    )
    # Numbered 1 to N across the batches, none skipped or made twice.
    numbers = {int(slug.split("-")[1]) for slug in instruments.values_list("slug", flat=True)}
    assert numbers == set(range(1, INSTRUMENTS + 1))
    assert not instruments.filter(target_groups=None).exists()
    assert not instruments.filter(places=None).exists()
    assert not instruments.filter(practices=None).exists()
    assert not instruments.filter(participations=None).exists()
    assert instruments.filter(publication_status=PublicationStatus.PUBLISHED).exists()

    assert set(synthetic(Practice).values_list("area__number", flat=True)) == {1, 2, 3, 4, 5, 6}
    assert synthetic(Institution).exists()
    countries = synthetic(Place)
    assert countries.exists()
    assert set(countries.values_list("kind", flat=True)) == {PlaceKind.COUNTRY}

    # Each would pass the admin's validation.
    for model in (Instrument, Practice):
        for record in synthetic(model):
            record.full_clean()

    assert real_records() == before


@pytest.mark.parametrize("instruments", [95, 100])
def test_every_synthetic_practice_has_instruments(instruments):
    """As every real one does: a practice page or area page listing a practice with no
    instruments is not what the benchmark should measure."""
    generate(instruments=instruments)
    practices = synthetic(Practice)
    assert practices.exists()
    assert list(practices.filter(instruments=None)) == []


# 2. Deterministic ------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_corpus_and_another_seed_another():
    first = generated_and_undone()
    assert generated_and_undone() == first

    other = generated_and_undone(seed=SEED + 1)
    assert len(other["instruments"]) == INSTRUMENTS
    assert other["instruments"] != first["instruments"]
    assert other["practices"] != first["practices"]


# 3. Only where it is told to -------------------------------------------------------------


def test_another_database_name_is_refused_and_nothing_is_made():
    counts = row_counts()
    with pytest.raises(CommandError, match="benchmark's own database"):
        generate(database="buenas_practicas")
    assert row_counts() == counts


def test_generating_over_a_corpus_is_refused():
    generate()
    counts, corpus = row_counts(), synthetic_corpus()
    with pytest.raises(CommandError, match="already there"):
        generate(seed=SEED + 1)
    assert row_counts() == counts
    assert synthetic_corpus() == corpus


# 4. Browsable and searchable -------------------------------------------------------------


def test_synthetic_records_have_pages_and_are_found(client):
    generate()
    published = synthetic(Instrument).published()
    catalogue = client.get(CATALOGUE)
    assert catalogue.context["page"].paginator.count == REAL_INSTRUMENTS + published.count()

    # One set in a country only the corpus has: its name is found by that word.
    countries = set(synthetic(Place).values_list("name", flat=True))
    instrument = next(
        record
        for record in published.prefetch_related("places").order_by("pk")
        if any(p.name in countries and f" en {p.name} " in record.name for p in record.places.all())
    )
    country = next(p.name for p in instrument.places.all() if p.name in countries)
    response = client.get(instrument.get_absolute_url())
    assert response.status_code == 200
    assert instrument.name in response.content.decode()
    found = client.get(CATALOGUE, {"q": country}).context["page"].paginator.object_list
    assert instrument in found
    assert set(found) <= set(synthetic(Instrument))

    practice = synthetic(Practice).published().first()
    assert client.get(practice.get_absolute_url()).status_code == 200
    institution = synthetic(Institution).first()
    assert client.get(institution.get_absolute_url()).status_code == 200
    draft = synthetic(Instrument).filter(publication_status=PublicationStatus.DRAFT)
    assert client.get(draft.first().get_absolute_url()).status_code == 404


def test_cached_pages_follow_generating(client, settings):
    settings.PAGE_CACHE_SECONDS = 600
    cache.clear()
    assert total(client.get(CATALOGUE)) == REAL_INSTRUMENTS
    assert total(client.get(CATALOGUE)) == REAL_INSTRUMENTS  # now from the cache

    generate()
    published = synthetic(Instrument).published().count()
    assert total(client.get(CATALOGUE)) == REAL_INSTRUMENTS + published
    cache.clear()


# 5. Bad arguments ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "arguments",
    [["--instruments", "0"], ["--instruments", "-3"], ["--instruments", "10", "--batch", "0"]],
)
def test_bad_arguments_are_refused(arguments):
    counts = row_counts()
    with pytest.raises(CommandError):
        call_command(
            generate_corpus.Command(),
            connection.settings_dict["NAME"],
            *arguments,
            verbosity=0,
            stdout=io.StringIO(),
        )
    assert row_counts() == counts


def test_an_empty_knowledge_base_is_refused(empty_database):
    with pytest.raises(CommandError, match="load_knowledge_base"):
        generate()
    assert not any(model.objects.exists() for model in SYNTHETIC_MODELS)
