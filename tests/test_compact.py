"""The Global Compact's objectives and the SDG targets: official vocabularies, an
editorial crosswalk from every practice and instrument, and the pages that browse it."""

import re
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from compact.models import GuidingPrinciple, Objective, ObjectiveLink, SDGTarget
from core.records import PublicationStatus
from practices.models import Practice
from programs.models import Instrument
from tests.factories import make_instrument, make_practice

SOURCE = settings.SOURCE_DOCUMENT.read_text(encoding="utf-8")
PUBLISHED = PublicationStatus.PUBLISHED
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


# Pages -------------------------------------------------------------------------------


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_the_index_lists_the_23_objectives_with_counts_zero_included(client):
    html = page(client, reverse("compact:objective_list"))
    for objective in Objective.objects.with_counts():
        assert objective.get_absolute_url() in html
        assert objective.title_es in html
    assert "0 prácticas · 0 instrumentos" in html  # objective 11 has none
    assert "Clasificación editorial" in html


def test_english_pages_show_the_official_english_texts_marked_as_english(client):
    """The Compact and the SDG targets are official in English too: an English reader reads
    them in English, and the page says which language each text is in."""
    objective, target = Objective.objects.get(number=7), SDGTarget.objects.get(code="10.7")
    with translation.override("en"):
        html = page(client, reverse("compact:objective_list"))
        detail = page(client, objective.get_absolute_url())
    assert f'<span lang="en">{objective.title_en}</span>' in html
    assert f'<dd lang="en">{target.text_en}</dd>' in html and target.text_es not in html
    assert "https://undocs.org/en/A/RES/71/313" in html
    assert f'<h1 lang="en">{objective.title_en}</h1>' in detail
    assert f'<p lang="es-MX"><span class="meta">{objective.title_es}</span></p>' in detail
    spanish = page(client, reverse("compact:objective_list"))
    assert f'<dd lang="es-MX">{target.text_es}</dd>' in spanish


def test_facet_labels_are_in_the_page_language_whichever_built_the_index(client):
    """The catalogue's index is built once per content revision, by whichever request
    comes first: an English one must not leave English kinds and objectives on the
    Spanish catalogue, nor the other way round."""
    catalogue = reverse("catalogue:catalogue")
    with translation.override("en"):
        english = page(client, reverse("catalogue:catalogue"))
    spanish = page(client, catalogue)
    assert 'value="ley"> law <' in english and 'value="ley"> ley <' in spanish
    assert 'value="1"> 1. Data <' in english and 'value="1"> 1. Datos <' in spanish


def test_sdg_targets_cite_the_resolution_whose_wording_they_carry():
    """The Spanish texts read «De aquí a 2030…», the wording of A/RES/71/313's annex; the
    2015 resolution A/RES/70/1 reads «Para 2030…» and is not their source."""
    assert SDGTarget.objects.get(code="16.9").text_es.startswith("De aquí a 2030")
    assert {t.source_url for t in SDGTarget.objects.all()} == {"https://undocs.org/es/A/RES/71/313"}


def test_an_objective_page_groups_its_records_by_area(client):
    html = page(client, reverse("compact:objective", args=[10]))
    assert Objective.objects.get(number=10).title_es in html
    victims = Practice.objects.get(slug="proteccion-de-victimas-de-trata-de-personas")
    protocol = Instrument.objects.get(slug="protocolo-victimas-de-trata")
    assert victims.get_absolute_url() in html and protocol.get_absolute_url() in html
    assert victims.area.get_absolute_url() in html
    assert "<details" in html and "clasificación editorial" in html
    link = ObjectiveLink.objects.get(objective__number=10, instrument=protocol)
    assert link.rationale in html


def test_an_objective_page_hides_drafts_and_404s_outside_the_range(client):
    protocol = Instrument.objects.get(slug="protocolo-victimas-de-trata")
    protocol.publication_status = PublicationStatus.DRAFT
    protocol.save()
    assert protocol.get_absolute_url() not in page(client, reverse("compact:objective", args=[10]))
    assert client.get("/pacto/objetivo/24/").status_code == 404


@pytest.mark.parametrize("slug", ["protocolo-victimas-de-trata", "sommex"])
def test_an_instrument_page_shows_its_objectives_with_their_rationale(client, slug):
    instrument = Instrument.objects.get(slug=slug)
    html = page(client, instrument.get_absolute_url())
    for link in ObjectiveLink.objects.for_record(instrument):
        assert link.objective.get_absolute_url() in html
        assert link.rationale in html
    assert "clasificación editorial" in html.lower() and "<details" in html


def test_a_practice_page_shows_its_objectives(client):
    practice = Practice.objects.get(slug="programa-3x1-para-migrantes")
    html = page(client, practice.get_absolute_url())
    assert reverse("compact:objective", args=[19]) in html
    assert "clasificación editorial" in html.lower()


def test_the_home_page_leads_to_the_compact(client):
    html = page(client, reverse("catalogue:home"))
    assert reverse("compact:objective_list") in html
    assert reverse("compact:matrix") in html


# Matrix ------------------------------------------------------------------------------


def matrix_cells(html):
    """{(area number, objective number): count} from the matrix's links."""
    found = re.findall(r'\?area=(\d+)&amp;objetivo=(\d+)"[^>]*>(\d+)</a>', html)
    return {(int(area), int(number)): int(count) for area, number, count in found}


def test_the_matrix_is_a_table_of_areas_by_objectives(client):
    html = page(client, reverse("compact:matrix"))
    assert "<table" in html and "<caption" in html and 'class="table-scroll"' in html
    assert html.count('<th scope="col">') == 24  # the areas' column and 23 objectives
    assert html.count('<th scope="row">') == 6
    assert html.count("<td ") == 6 * 23
    cells = matrix_cells(html)
    assert cells[(5, 10)] >= 2  # trafficking: its law and its protocol
    assert "clasificación editorial" in html.lower()


def test_each_cell_counts_the_instruments_the_catalogue_shows(client):
    from practices.models import instruments_in_areas

    cells = matrix_cells(page(client, reverse("compact:matrix")))
    assert len(cells) >= 10
    for (area, number), count in cells.items():
        expected = instruments_in_areas(Instrument.objects.published(), [area]).filter(
            objective_links__objective__number=number
        )
        assert count == expected.distinct().count(), (area, number)
    for (area, number), count in list(cells.items())[:4]:
        response = client.get(f"{reverse('catalogue:catalogue')}?area={area}&objetivo={number}")
        assert response.context["page"].paginator.count == count


@pytest.mark.parametrize("url", ["/pacto/matriz/", "/pacto/", "/pacto/objetivo/11/"])
def test_the_compact_pages_read_a_bounded_number_of_queries(
    client, django_assert_max_num_queries, url
):
    with django_assert_max_num_queries(12):
        page(client, url)
    # More data, the same queries.
    area = Practice.objects.first().area
    practice = make_practice(slug="mas-practicas", area=area, publication_status=PUBLISHED)
    objective = Objective.objects.get(number=11)
    for n in range(5):
        instrument = make_instrument(
            slug=f"nuevo-{n}", name=f"Nuevo {n}", publication_status=PUBLISHED
        )
        practice.instruments.add(instrument)
        ObjectiveLink.objects.create(
            objective=objective, instrument=instrument, rationale="r", source_quote="q"
        )
    with django_assert_max_num_queries(12):
        html = page(client, url)
    if url == "/pacto/matriz/":
        assert matrix_cells(html)[(area.number, 11)] == 5
    if url == "/pacto/objetivo/11/":
        assert "Nuevo 4" in html


# Catalogue facets --------------------------------------------------------------------


def catalogue(client, query):
    response = client.get(f"{reverse('catalogue:catalogue')}?{query}")
    assert response.status_code == 200
    return response


def facet_counts(response, name):
    facet = next(facet for facet in response.context["facets"] if facet.name == name)
    return {option.value: option.count for option in facet.options}


def published_serving(number, instruments=None):
    instruments = instruments if instruments is not None else Instrument.objects.published()
    return set(
        instruments.filter(objective_links__objective__number=number).values_list("pk", flat=True)
    )


def test_the_objective_facet_filters_and_counts(client):
    response = catalogue(client, "objetivo=10")
    assert {i.pk for i in response.context["page"].object_list} == published_serving(10)
    counts = facet_counts(response, "objetivo")
    # Disjunctive: the facet's own counts ignore its own selection.
    for number in range(1, 24):
        assert counts.get(str(number), 0) == len(published_serving(number)), number
    assert "11" not in counts  # no instrument serves it: no option


def test_objective_counts_combine_with_another_filter_and_a_search(client):
    from practices.models import instruments_in_areas

    response = catalogue(client, "area=6&q=trabajadores&objetivo=5&objetivo=6")
    counts = facet_counts(response, "objetivo")
    searched = {
        i.pk for i in catalogue(client, "q=trabajadores").context["page"].paginator.object_list
    }
    in_area = instruments_in_areas(Instrument.objects.published(), [6])
    assert counts
    for value, count in counts.items():
        expected = published_serving(int(value), in_area) & searched
        assert count == len(expected), value
    results = {i.pk for i in response.context["page"].paginator.object_list}
    assert results == (published_serving(5, in_area) | published_serving(6, in_area)) & searched
    assert results
    # The area facet, counted under the objectives selected.
    area_counts = facet_counts(response, "area")
    serving = published_serving(5) | published_serving(6)
    assert area_counts["6"] == len(results)
    for value, count in area_counts.items():
        in_other = instruments_in_areas(Instrument.objects.published(), [int(value)])
        assert count == len(set(in_other.values_list("pk", flat=True)) & serving & searched)


def test_the_sdg_target_facet_and_its_chip(client):
    response = catalogue(client, "ods=10.7")
    expected = set(
        Instrument.objects.published()
        .filter(objective_links__sdg_targets__code="10.7")
        .values_list("pk", flat=True)
    )
    assert {i.pk for i in response.context["page"].paginator.object_list} == expected
    assert facet_counts(response, "ods")["10.7"] == len(expected)
    assert "Meta ODS: 10.7" in response.content.decode()


# Search ------------------------------------------------------------------------------


def results(client, query):
    response = catalogue(client, urlencode({"q": query}))
    return {i.pk for i in response.context["page"].paginator.object_list}


def test_a_search_for_an_objective_gives_its_instruments(client):
    assert results(client, "objetivo 7") == published_serving(7)
    assert results(client, "Objective 10") == published_serving(10)


def test_a_search_for_an_sdg_target_gives_its_instruments(client):
    for query, code in (("ODS 10.7", "10.7"), ("SDG 8.8", "8.8"), ("meta 10.c", "10.c")):
        expected = set(
            Instrument.objects.published()
            .filter(objective_links__sdg_targets__code=code)
            .values_list("pk", flat=True)
        )
        assert expected and results(client, query) == expected, query


def test_a_reference_combines_with_words(client):
    words = results(client, "trabajadores")
    assert results(client, "ODS 8.8 trabajadores") == words & results(client, "ODS 8.8")
    assert results(client, "trabajadores objetivo 5") == words & published_serving(5)


def test_an_unknown_reference_stays_words():
    from catalogue.search import compact_references

    found = compact_references("objetivo 40 ODS 99.9 vivienda", {"7": 1}, {"10.7": 1})
    assert (found.text, found.objectives, found.targets) == (
        "objetivo 40 ODS 99.9 vivienda",
        [],
        [],
    )
    found = compact_references("Objetivo 07 y SDG 10.7", {"7": 1}, {"10.7": 1})
    assert (found.text, found.objectives, found.targets) == ("y", ["7"], ["10.7"])


# Admin -------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["objective", "guidingprinciple", "sdgtarget", "objectivelink"])
def test_editors_edit_the_vocabularies_and_the_crosswalk_in_the_admin(admin_client, model):
    listing = admin_client.get(reverse(f"admin:compact_{model}_changelist"))
    assert listing.status_code == 200
    record = listing.context["cl"].result_list[0]
    change = admin_client.get(reverse(f"admin:compact_{model}_change", args=[record.pk]))
    assert change.status_code == 200


def test_an_english_page_shows_the_compact_in_english_and_its_records_marked_spanish(client):
    url = Instrument.objects.get(slug="sommex").get_absolute_url()
    english = client.get(f"/en{url}").content.decode()
    assert '<html lang="en">' in english
    section = english[english.index('<section class="objectives"') :]
    section = section[: section.index("</section>")]
    assert "Global Compact" in section
    assert 'lang="es-MX"' in section  # the objectives' titles, as the records hold them
