"""The read API (/api/v1/): the catalogue's records as JSON, exactly those the catalogue
page shows for the same parameters, every record type with its links, an OpenAPI schema,
a documentation page, clear 4xx answers and a per-client limit."""

import json

import pytest
from django.core.cache import cache
from drf_spectacular.validation import validate_schema

from core.records import PublicationStatus
from practices.models import Practice
from programs.models import Instrument, TargetGroup
from tests.test_opendata import CATALOGUE, QUERIES, absolute, shown

pytestmark = pytest.mark.usefixtures("knowledge_base")

API = "/api/v1"


def all_pages(client, url):
    """Every record a list returns, following `next`, and the count it states."""
    records, count = [], None
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        data = response.json()
        count = data["count"] if count is None else count
        records += data["results"]
        url = data["next"]
    return records, count


@pytest.mark.parametrize("query", QUERIES)
def test_the_instrument_list_holds_what_the_catalogue_shows(client, query):
    links, html = shown(client, f"{CATALOGUE}?{query}" if query else CATALOGUE)
    records, count = all_pages(client, f"{API}/instrumentos/?{query}")
    assert count == len(links)
    assert [record["pagina"] for record in records] == absolute(links)


def test_an_instrument_comes_with_its_links(client):
    data = client.get(f"{API}/instrumentos/programa-3x1-para-migrantes/").json()
    record = Instrument.objects.get(slug="programa-3x1-para-migrantes")
    assert data["nombre"] == record.name
    assert data["cita_fuente"] == record.source_quote
    groups = {group.slug for group in record.target_groups.all()}
    assert {link["slug"] for link in data["grupos_de_poblacion"]} == groups
    practice = data["practicas"][0]
    assert client.get(practice["api"]).json()["slug"] == practice["slug"]
    assert client.get(practice["pagina"]).status_code == 200
    assert {p["institucion"]["slug"] for p in data["instituciones"]} == {
        p.institution.slug for p in record.participations.all()
    }
    assert data["objetivos_del_pacto"], "every published instrument has an objective"


@pytest.mark.parametrize(
    "kind, model, field",
    [("practicas", Practice, "titulo"), ("grupos", TargetGroup, "nombre")],
)
def test_every_record_type_lists_and_details(client, kind, model, field):
    records, count = all_pages(client, f"{API}/{kind}/")
    expected = model.objects.published() if hasattr(model.objects, "published") else model.objects
    assert count == expected.count() == len(records)
    first = client.get(f"{API}/{kind}/{records[0]['slug']}/")
    assert first.json()[field] == records[0][field]


def test_areas_and_institutions_list(client):
    areas, count = all_pages(client, f"{API}/areas/")
    assert [area["numero"] for area in areas] == [1, 2, 3, 4, 5, 6]
    institutions, _count = all_pages(client, f"{API}/instituciones/")
    inm = next(record for record in institutions if record["siglas"] == "INM")
    assert client.get(f"{API}/instituciones/{inm['slug']}/").json()["nombre"] == inm["nombre"]


def test_an_area_points_to_its_published_practices_a_page_at_a_time(client):
    draft = Practice.objects.filter(area__number=1).order_by("position").first()
    Practice.objects.filter(pk=draft.pk).update(publication_status=PublicationStatus.DRAFT)
    areas, _count = all_pages(client, f"{API}/areas/")
    for area in areas:
        practices, count = all_pages(client, area["practicas"])
        expected = Practice.objects.published().filter(area__number=area["numero"])
        assert area["numero_de_practicas"] == count == expected.count() > 0
        assert [p["slug"] for p in practices] == [p.slug for p in expected.order_by("position")]
    assert draft.slug not in {p["slug"] for p in all_pages(client, f"{API}/practicas/")[0]}


@pytest.mark.parametrize("value", ["uno", "1.5", "7", "9" * 400])
def test_an_invalid_area_filter_is_refused_and_says_why(client, value):
    response = client.get(f"{API}/practicas/", {"area": value})
    assert response.status_code == 400
    assert "area" in response.json()


def test_drafts_are_not_in_the_api(client):
    record = Instrument.objects.get(slug="programa-3x1-para-migrantes")
    Instrument.objects.filter(pk=record.pk).update(publication_status=PublicationStatus.DRAFT)
    assert client.get(f"{API}/instrumentos/{record.slug}/").status_code == 404
    records, _count = all_pages(client, f"{API}/instrumentos/?q=3x1")
    assert record.slug not in {found["slug"] for found in records}
    practice = client.get(f"{API}/practicas/programa-3x1-para-migrantes/").json()
    assert record.slug not in {link["slug"] for link in practice["instrumentos"]}


@pytest.mark.parametrize(
    "query, named",
    [("grupo=no-existe", "grupo"), ("tipo=nada", "tipo"), ("desde=abc", "desde")],
)
def test_an_invalid_filter_is_refused_by_name(client, query, named):
    response = client.get(f"{API}/instrumentos/?{query}")
    assert response.status_code == 400
    assert named in response.json()


def test_too_many_values_are_refused(client):
    query = "&".join(f"grupo=g{number}" for number in range(41))
    response = client.get(f"{API}/instrumentos/?{query}")
    assert response.status_code == 400


@pytest.mark.parametrize(
    "url, status",
    [
        ("/instrumentos/?pagina=999999", 404),
        ("/instrumentos/?pagina=-1", 404),
        ("/instrumentos/?pagina=abc", 404),
        ("/instrumentos/no-existe/", 404),
        ("/instrumentos/%00/", 404),
        ("/nada/", 404),
    ],
)
def test_bad_addresses_get_a_clear_4xx(client, url, status):
    response = client.get(f"{API}{url}")
    assert response.status_code == status
    if response["Content-Type"] == "application/json":
        assert response.json()["detail"]


def test_the_api_only_reads(client):
    assert client.post(f"{API}/instrumentos/", {"nombre": "x"}).status_code == 405
    assert client.delete(f"{API}/instrumentos/programa-3x1-para-migrantes/").status_code == 405


def test_an_old_slug_redirects_to_the_record(admin_client, client):
    record = Instrument.objects.get(slug="programa-3x1-para-migrantes")
    record.slug = "programa-tres-por-uno"
    record.save()
    response = client.get(f"{API}/instrumentos/programa-3x1-para-migrantes/")
    assert response.status_code == 301
    assert response["Location"].endswith(f"{API}/instrumentos/programa-tres-por-uno/")


def test_a_client_asking_too_fast_is_told_to_wait(client, settings):
    cache.clear()  # earlier tests' requests, under no limit, came from the same address
    settings.API_RATE = "3/min"
    settings.PAGE_CACHE_SECONDS = 600  # copies from the cache count too
    answers = [client.get(f"{API}/areas/") for _ in range(4)]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert int(answers[-1]["Retry-After"]) > 0
    assert "Vuelva a intentarlo" in answers[-1].json()["detail"]
    other = client.get(f"{API}/areas/", REMOTE_ADDR="192.0.2.7")
    assert other.status_code == 200


def test_the_schema_is_valid_openapi_and_names_the_catalogues_filters(client):
    response = client.get(f"{API}/esquema.json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    validate_schema(schema)
    parameters = {p["name"] for p in schema["paths"]["/api/v1/instrumentos/"]["get"]["parameters"]}
    assert {"q", "area", "grupo", "institucion", "lugar", "objetivo", "ods", "pagina"} <= parameters


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_documentation_page_names_every_address(client, prefix):
    response = client.get(f"{prefix}/api/")
    assert response.status_code == 200
    page = response.content.decode()
    for path in ("/api/v1/instrumentos/", "/api/v1/practicas/{slug}/", "/api/v1/grupos/"):
        assert path in page
    assert "/api/v1/esquema.json" in page


@pytest.mark.parametrize("url", ["/instrumentos/?q=migrantes&area=1", "/practicas/", "/grupos/"])
def test_a_list_costs_a_bounded_number_of_queries(client, django_assert_max_num_queries, url):
    client.get(f"{API}{url}")  # the search index is built once per revision, not per page
    with django_assert_max_num_queries(10):
        assert client.get(f"{API}{url}").status_code == 200


def test_dates_carry_their_kind_and_statuses_their_words(client):
    records, _count = all_pages(client, f"{API}/instrumentos/")
    stored = {record.slug: record for record in Instrument.objects.published()}
    dated = [record for record in records if record["fecha_inicio"]]
    assert dated
    for record in dated:
        assert record["fecha_inicio"]["tipo"] == stored[record["slug"]].start_kind
    stated = [record for record in records if record["estado_declarado"]]
    assert stated, "the source states some statuses"
    for record in stated:
        assert record["cita_estado"] in stored[record["slug"]].source_quote
    assert all(record["cita_estado"] == "" for record in records if not record["estado_declarado"])
