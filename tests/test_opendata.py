"""Open data: every list page as CSV and JSON of exactly what it shows, all its pages; the
Atom feeds; the sitemap, robots.txt and each record's metadata; permalinks that last; the
whole knowledge base as a Data Package, validated with `frictionless` where installed."""

import csv
import io
import json
import re
from xml.etree import ElementTree

import pytest
from django.utils import translation

from catalogue import export, feeds
from catalogue.sitemaps import LanguagesSitemap
from core.records import PublicationStatus
from practices.models import Practice, ThematicArea
from programs import linked_data as linked
from programs.models import Institution, Instrument, TargetGroup

pytestmark = pytest.mark.usefixtures("knowledge_base")

CATALOGUE = "/instrumentos/"
# A dozen states of the catalogue: search, filters of every facet, years, sorts.
QUERIES = [
    "",
    "grupo=ninas-ninos-y-adolescentes",
    "grupo=mujeres&grupo=personas-indigenas",
    "tipo=ley&tipo=reglamento",
    "area=2&tipo=programa",
    "institucion=inm",
    "lugar=MX&orden=-fecha",
    "desde=2010&hasta=2015",
    "q=trabajadores agricolas",
    "q=proteccion&grupo=ninas-ninos-y-adolescentes&orden=nombre",
    "estado=vigente&orden=-nombre",
    "q=migrantes&area=1&area=3&orden=fecha",
    "q=palabrainexistente",
]


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def csv_rows(response):
    text = body(response).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def shown(client, url, section=r'<ol class="results">(.*?)</ol>', link=r'<h3><a href="([^"]+)"'):
    """The permalinks a list page shows, over all its pages, and the count it states."""
    found, number = [], 1
    while True:
        separator = "&" if "?" in url else "?"
        response = client.get(f"{url}{separator}pagina={number}")
        assert response.status_code == 200
        html = response.content.decode()
        for part in re.findall(section, html, re.S):
            found += re.findall(link, part)
        if not re.search(r'<nav class="pagination".*?rel="next"', html, re.S):
            return found, html
        number += 1


def absolute(paths):
    return [f"http://testserver{path}" for path in paths]


@pytest.mark.parametrize("query", QUERIES)
def test_catalogue_downloads_hold_what_the_page_shows(client, query):
    url = f"{CATALOGUE}?{query}" if query else CATALOGUE
    links, html = shown(client, url)
    count = int(re.search(r'<h2 id="resultados">(\d+) instrumento', html).group(1))
    assert len(links) == count
    separator = "&" if query else "?"
    rows = csv_rows(client.get(f"{url}{separator}formato=csv"))
    assert [row["url"] for row in rows] == absolute(links)
    data = client.get(f"{url}{separator}formato=json").json()
    assert data["total"] == count
    assert [row["url"] for row in data["resultados"]] == absolute(links)


def test_the_page_links_its_downloads(client):
    html = client.get(f"{CATALOGUE}?grupo=mujeres&pagina=1").content.decode()
    assert 'href="?grupo=mujeres&amp;formato=csv"' in html
    assert 'href="?grupo=mujeres&amp;formato=json"' in html
    assert "Descargar:" in html


def test_csv_is_excel_friendly_and_named(client):
    response = client.get(f"{CATALOGUE}?formato=csv")
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="instrumentos.csv"'
    rows = csv_rows(response)
    published = Instrument.objects.published()
    assert len(rows) == published.count()
    law = next(row for row in rows if row["slug"] == "ley-de-migracion")
    record = published.get(slug="ley-de-migracion")
    assert law["nombre"] == record.name
    assert law["tipo"] == "ley"
    assert law["cita_fuente"] == record.source_quote  # quotes and newlines survive
    assert law["fecha_inicio"].startswith(str(record.start_date.year))


def test_rows_hold_only_stated_facts(client):
    rows = {row["slug"]: row for row in csv_rows(client.get(f"{CATALOGUE}?formato=csv"))}
    for record in Instrument.objects.published():
        row = rows[record.slug]
        assert (row["estado_declarado"] == "") == (record.stated_status == "")
        assert row["cita_estado"] == record.status_quote
        assert (row["fecha_termino"] == "") == (record.end_date is None)
        assert (row["tipo_fecha_inicio"] == "") == (record.start_date is None)
        assert (row["tipo_fecha_termino"] == "") == (record.end_date is None)
        assert row["siglas"] == record.acronym
    # What each date marks, as the source says it; a planned end reads as planned.
    assert rows["ptrm-2017"]["tipo_fecha_termino"] == "previsto hasta"
    assert rows["ptrm-2017"]["estado_declarado"] == ""
    assert rows["sommex"]["tipo_fecha_inicio"] == "lanzado"
    assert (
        rows["ptrm-2008"]["cita_estado"]
        == "se publicó en noviembre de 2008 y finalizó en mayo de 2011"
    )
    # A role the source document does not state names the source it comes from.
    assert "fuente: Ley de Migración" in rows["ley-de-migracion"]["instituciones"]


def test_year_precision_is_not_made_a_day(client, django_user_model):
    record = Instrument.objects.published().filter(start_precision="year").first()
    assert record is not None
    data = client.get(f"{CATALOGUE}?formato=json").json()
    row = next(row for row in data["resultados"] if row["slug"] == record.slug)
    assert row["fecha_inicio"] == str(record.start_date.year)


def test_drafts_are_never_downloaded(client):
    draft = Instrument.objects.published().first()
    draft.publication_status = PublicationStatus.DRAFT
    draft.save()
    slugs = {row["slug"] for row in csv_rows(client.get(f"{CATALOGUE}?formato=csv"))}
    assert draft.slug not in slugs
    assert slugs


def test_json_pages_are_bounded(client, monkeypatch):
    monkeypatch.setattr(export, "JSON_PAGE_SIZE", 10)
    first = client.get(f"{CATALOGUE}?formato=json").json()
    assert first["por_pagina"] == 10
    assert len(first["resultados"]) == 10
    assert first["anterior"] is None
    assert "pagina=2" in first["siguiente"]
    collected = list(first["resultados"])
    following = first["siguiente"]
    while following:
        page = client.get(following.replace("http://testserver", "")).json()
        collected += page["resultados"]
        following = page["siguiente"]
    assert len(collected) == first["total"] == Instrument.objects.published().count()


@pytest.mark.parametrize(
    "query",
    [
        "formato=xml",
        "formato=CSV",
        "formato=%FF%FE",
        "formato=json&pagina=99999",
        "formato=json&pagina=abc",
        "formato=json&pagina=0",
        "formato=csv&tipo=inventado",
        "formato=json&grupo=no-existe",
        "formato=csv&desde=nunca",
    ],
)
def test_bad_downloads_are_refused_clearly(client, query):
    response = client.get(f"{CATALOGUE}?{query}")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert response.content


def test_too_many_values_are_refused_in_downloads_too(client):
    query = "&".join(f"grupo=g{n}" for n in range(60))
    assert client.get(f"{CATALOGUE}?{query}&formato=csv").status_code == 400


def test_the_page_cache_keys_on_the_format(client, settings):
    settings.PAGE_CACHE_SECONDS = 60
    page = client.get(f"{CATALOGUE}?grupo=mujeres")
    data = client.get(f"{CATALOGUE}?grupo=mujeres&formato=json")
    again = client.get(f"{CATALOGUE}?grupo=mujeres&formato=json")
    spreadsheet = client.get(f"{CATALOGUE}?grupo=mujeres&formato=csv")
    assert page["Content-Type"].startswith("text/html")
    assert data["Content-Type"] == again["Content-Type"] == "application/json"
    assert data.content == again.content
    assert body(spreadsheet).startswith("\ufeff".encode())
    assert page["ETag"] != data["ETag"] != spreadsheet["ETag"]


def test_group_page_downloads(client):
    slug = "ninas-ninos-y-adolescentes"
    links, html = shown(client, f"/grupos/{slug}/")
    response = client.get(f"/grupos/{slug}/?formato=csv")
    assert response["Content-Disposition"] == f'attachment; filename="grupo-{slug}.csv"'
    assert [row["url"] for row in csv_rows(response)] == absolute(links)
    data = client.get(f"/grupos/{slug}/?formato=json&tipo=protocolo").json()
    links, _html = shown(client, f"/grupos/{slug}/?tipo=protocolo")
    assert [row["url"] for row in data["resultados"]] == absolute(links)
    assert "formato=csv" in html


def test_timeline_downloads(client):
    for query in ("", "area=2", "grupo=mujeres"):
        url = f"/cronologia/?{query}"
        links, html = shown(
            client, url, r'<ol class="timeline-rows">(.*?)</ol>', r'href="(/instrumentos/[^"]+)"'
        )
        rows = csv_rows(client.get(f"{url}&formato=csv"))
        assert [row["url"] for row in rows] == absolute(links)
        assert all(row["fecha_inicio"] for row in rows)
        assert "formato=json" in html


def test_area_downloads(client):
    area = ThematicArea.objects.get(number=2)
    url = area.get_absolute_url()
    links, html = shown(
        client,
        url,
        r'<section aria-labelledby="practicas">(.*?)</section>',
        r'<h3><a href="([^"]+)"',
    )
    rows = csv_rows(client.get(f"{url}?formato=csv"))
    assert [row["url"] for row in rows] == absolute(links)
    assert len(rows) == Practice.objects.published().filter(area=area).count()
    data = client.get(f"{url}?formato=json").json()
    assert data["total"] == len(rows)
    for row in data["resultados"]:
        assert isinstance(row["instrumentos"], list)
    assert "formato=csv" in html


def test_institution_list_downloads(client):
    links, html = shown(
        client, "/instituciones/", r'<ul class="institutions">(.*?)</ul>', r'href="([^"]+)"'
    )
    rows = csv_rows(client.get("/instituciones/?formato=csv"))
    assert [row["url"] for row in rows] == absolute(links)
    assert len(rows) == Institution.objects.count()
    counts = re.findall(r'<span class="count">(\d+) instrumento', html)
    assert [row["instrumentos_publicados"] for row in rows][: len(counts)] == counts
    assert client.get("/instituciones/?formato=json").json()["total"] == len(rows)


def test_csv_downloads_stream_in_few_queries(client, django_assert_max_num_queries):
    # Rows are read a chunk at a time, each chunk with its links in a few queries (the
    # index, built once per revision, is built by the page first).
    client.get(CATALOGUE)
    with django_assert_max_num_queries(8):
        assert len(csv_rows(client.get(f"{CATALOGUE}?formato=csv"))) > 40


@pytest.mark.parametrize("query", ["", "q=migrantes&orden=-fecha", "grupo=mujeres"])
def test_a_csv_longer_than_a_file_comes_in_files_that_name_the_next(client, monkeypatch, query):
    monkeypatch.setattr(export, "CSV_PAGE_SIZE", 7)
    monkeypatch.setattr(export, "CHUNK", 3)  # each file read in three reads, the last short
    whole = [
        row["url"] for row in client.get(f"{CATALOGUE}?{query}&formato=json").json()["resultados"]
    ]
    found, url = [], f"{CATALOGUE}?{query}&formato=csv"
    while url:
        response = client.get(url)
        assert response.status_code == 200
        assert int(response["X-Total-Count"]) == len(whole)
        rows = csv_rows(response)
        assert 0 < len(rows) <= 7
        found += [row["url"] for row in rows]
        url = re.fullmatch(r'<http://testserver([^>]+)>; rel="next"', response.get("Link", "x"))
        url = url and url[1]
    assert found == whole


def test_a_csv_file_past_the_last_is_a_400(client, monkeypatch):
    monkeypatch.setattr(export, "CSV_PAGE_SIZE", 7)
    assert client.get(f"{CATALOGUE}?formato=csv&pagina=99").status_code == 400


ATOM = "{http://www.w3.org/2005/Atom}"


def feed_entries(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ElementTree.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    return [
        (entry.find(f"{ATOM}link").get("href"), entry.find(f"{ATOM}updated").text)
        for entry in root.findall(f"{ATOM}entry")
    ]


def test_the_knowledge_base_feed_lists_published_records_newest_first(client):
    entries = feed_entries(client.get("/novedades.atom"))
    assert len(entries) == feeds.FEED_SIZE
    assert [updated for _link, updated in entries] == sorted(
        (updated for _link, updated in entries), reverse=True
    )
    public = {
        f"http://testserver{record.get_absolute_url()}"
        for model in (Instrument, Practice)
        for record in model.objects.published()
    }
    assert {link for link, _updated in entries} <= public


def test_the_feed_changes_when_a_record_is_published(client):
    draft = Instrument.objects.published().get(slug="ley-de-migracion")
    draft.publication_status = PublicationStatus.DRAFT
    draft.save()
    link = f"http://testserver{draft.get_absolute_url()}"
    for url in ("/novedades.atom", f"{CATALOGUE}?tipo=ley&formato=atom"):
        assert link not in dict(feed_entries(client.get(url)))
    draft.publication_status = PublicationStatus.PUBLISHED
    draft.save()
    for url in ("/novedades.atom", f"{CATALOGUE}?tipo=ley&formato=atom"):
        entries = feed_entries(client.get(url))
        assert entries[0][0] == link  # the change is the newest entry


@pytest.mark.parametrize("query", QUERIES)
def test_a_catalogue_query_feed_holds_its_results(client, query):
    url = f"{CATALOGUE}?{query}" if query else CATALOGUE
    separator = "&" if query else "?"
    rows = csv_rows(client.get(f"{url}{separator}formato=csv"))
    entries = feed_entries(client.get(f"{url}{separator}formato=atom"))
    assert len(entries) == min(len(rows), feeds.FEED_SIZE)
    assert {link for link, _updated in entries} <= {row["url"] for row in rows}
    newest = sorted(rows, key=lambda row: row["actualizado"], reverse=True)
    assert {row["actualizado"] for row in newest[: len(entries)]} == {
        atom_time(updated) for _link, updated in entries
    } or not entries


def atom_time(value):
    """Atom's "+00:00" written as the rows write UTC: "Z"."""
    return value.replace("+00:00", "Z")


def test_pages_announce_their_feeds(client):
    html = client.get(f"{CATALOGUE}?grupo=mujeres").content.decode()
    assert 'type="application/atom+xml"' in html
    assert 'href="?grupo=mujeres&amp;formato=atom"' in html
    assert 'href="/novedades.atom"' in html
    assert 'href="/novedades.atom"' in client.get("/").content.decode()
    group = client.get("/grupos/mujeres/?formato=atom")
    assert feed_entries(group)


def test_feeds_only_for_catalogue_queries(client):
    assert client.get("/cronologia/?formato=atom").status_code == 400
    assert client.get("/instituciones/?formato=atom").status_code == 400


SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def sitemap_locations(client):
    index = client.get("/sitemap.xml")
    assert index.status_code == 200
    locations = []
    for section in ElementTree.fromstring(index.content).iter(f"{SITEMAP}loc"):
        response = client.get(section.text.replace("http://testserver", ""))
        assert response.status_code == 200
        tree = ElementTree.fromstring(response.content)
        locations += [loc.text for loc in tree.iter(f"{SITEMAP}loc")]
    return locations


def test_the_sitemap_lists_every_public_record_and_nothing_else(client):
    hidden = Instrument.objects.published().get(slug="ley-de-migracion")
    hidden.publication_status = PublicationStatus.DRAFT
    hidden.save()
    draft_practice = Practice.objects.published().first()
    draft_practice.publication_status = PublicationStatus.DRAFT
    draft_practice.save()
    locations = sitemap_locations(client)
    assert len(locations) == len(set(locations))
    public = [
        *Instrument.objects.published(),
        *Practice.objects.published(),
        *ThematicArea.objects.all(),
        *Institution.objects.all(),
        *TargetGroup.objects.all(),
    ]
    records = {f"http://testserver{record.get_absolute_url()}" for record in public}
    assert records <= set(locations)
    assert f"http://testserver{hidden.get_absolute_url()}" not in locations
    assert f"http://testserver{draft_practice.get_absolute_url()}" not in locations
    assert "http://testserver/instrumentos/" in locations
    for location in locations:  # every address it gives answers
        assert client.get(location.replace("http://testserver", "")).status_code == 200


def test_the_sitemap_pages_hold_a_bounded_number_of_addresses(client, monkeypatch):
    # An odd page size splits some records' two languages over two pages.
    monkeypatch.setattr(LanguagesSitemap, "limit", 7)
    everything = sitemap_locations(client)
    assert len(everything) == len(set(everything))
    index = ElementTree.fromstring(client.get("/sitemap.xml").content)
    for section in index.iter(f"{SITEMAP}loc"):
        page = client.get(section.text.replace("http://testserver", ""))
        assert len(ElementTree.fromstring(page.content).findall(f"{SITEMAP}url")) <= 7
    instruments = Instrument.objects.published()
    for record in instruments:
        assert f"http://testserver{record.get_absolute_url()}" in everything
        with translation.override("en"):
            assert f"http://testserver{record.get_absolute_url()}" in everything
    pages = -(-instruments.count() * 2 // 7)
    assert client.get(f"/sitemap-instrumentos.xml?p={pages}").status_code == 200
    assert client.get(f"/sitemap-instrumentos.xml?p={pages + 1}").status_code == 404


def test_robots_txt_points_at_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert "Sitemap: http://testserver/sitemap.xml" in response.content.decode()


def head_of(client, url):
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    return html, html[: html.index("</head>")]


def linked_data(html):
    found = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(found) == 1
    return json.loads(found[0])


@pytest.mark.parametrize(
    ("slug", "expected"),
    [
        ("ley-de-migracion", "Legislation"),
        ("grupos-beta-de-proteccion-a-migrantes", None),
    ],
)
def test_instrument_pages_carry_metadata(client, slug, expected):
    record = Instrument.objects.get(slug=slug)
    html, head = head_of(client, record.get_absolute_url())
    url = f"http://testserver{record.get_absolute_url()}"
    assert f'<link rel="canonical" href="{url}">' in head
    assert f'<meta property="og:url" content="{url}">' in head
    assert '<meta property="og:title"' in head
    assert '<meta name="description"' in head
    data = linked_data(head)
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == (expected or linked.schema_type(record))
    assert data["@type"] in ("Legislation", "GovernmentService", "CreativeWork")
    assert data["name"] == record.name
    assert data["url"] == url


def test_every_kind_gets_a_schema_type(client):
    types = {linked.schema_type(record) for record in Instrument.objects.published()}
    assert types == {"Legislation", "GovernmentService", "CreativeWork"}


def test_practice_group_and_institution_pages_carry_metadata(client):
    practice = Practice.objects.published().first()
    _html, head = head_of(client, practice.get_absolute_url())
    data = linked_data(head)
    assert data["@type"] == "CreativeWork"
    assert data["isPartOf"]["url"] == f"http://testserver{practice.area.get_absolute_url()}"
    group = TargetGroup.objects.get(slug="mujeres")
    _html, head = head_of(client, group.get_absolute_url())
    assert linked_data(head)["@type"] == "DefinedTerm"
    assert f'<link rel="canonical" href="http://testserver{group.get_absolute_url()}">' in head
    institution = Institution.objects.get(slug="inm")
    _html, head = head_of(client, institution.get_absolute_url())
    assert linked_data(head)["name"] == institution.name


def test_json_ld_cannot_be_closed_by_a_record(client):
    record = Instrument.objects.published().get(slug="ley-de-migracion")
    record.summary = 'Texto </script><script>alert("x")</script> & <!-- más'
    record.save()
    html, head = head_of(client, record.get_absolute_url())
    assert "<script>alert" not in html
    data = linked_data(head)
    assert data["description"] == record.summary


def rename(record, slug):
    record.slug = slug
    record.save()
    return record


def test_a_renamed_record_keeps_its_old_address_as_a_permanent_redirect(client):
    record = Instrument.objects.published().get(slug="ley-de-migracion")
    old = record.get_absolute_url()
    rename(record, "ley-de-migracion-2011")
    response = client.get(f"{old}?formato=x")
    assert response.status_code == 301
    assert response["Location"] == "/instrumentos/ley-de-migracion-2011/?formato=x"
    assert client.get(response["Location"].split("?")[0]).status_code == 200
    rename(record, "ley-migratoria")  # a second rename: both old addresses lead here
    for address in (old, "/instrumentos/ley-de-migracion-2011/"):
        response = client.get(address)
        assert response.status_code == 301
        assert response["Location"] == "/instrumentos/ley-migratoria/"


def test_every_kind_of_record_keeps_its_old_address(client):
    for record in (
        Practice.objects.published().first(),
        ThematicArea.objects.get(number=3),
        Institution.objects.get(slug="inm"),
        TargetGroup.objects.get(slug="mujeres"),
    ):
        old = record.get_absolute_url()
        rename(record, f"{record.slug}-nuevo")
        response = client.get(old)
        assert response.status_code == 301, old
        assert response["Location"] == record.get_absolute_url()
        assert client.get(record.get_absolute_url()).status_code == 200


def test_an_old_slug_taken_back_is_the_records_own_again(client):
    record = Instrument.objects.published().get(slug="ley-de-migracion")
    rename(record, "ley-nueva")
    rename(record, "ley-de-migracion")
    assert client.get("/instrumentos/ley-de-migracion/").status_code == 200
    response = client.get("/instrumentos/ley-nueva/")
    assert response.status_code == 301
    assert response["Location"] == "/instrumentos/ley-de-migracion/"


def test_an_old_slug_redirects_only_its_own_kind_of_record(client):
    rename(Institution.objects.get(slug="inm"), "instituto-nacional-de-migracion")
    assert client.get("/instrumentos/inm/").status_code == 404
    assert client.get("/grupos/inm/").status_code == 404
    assert client.get("/instituciones/inm/").status_code == 301
    assert client.get("/instrumentos/no-existe/").status_code == 404


def test_the_sitemap_index_counts_records_without_reading_them(
    client, django_assert_max_num_queries
):
    # The latest change and the number of pages of each of the 5 sections of records
    # (aggregates, not a read of every record), and the revision.
    client.get("/")
    with django_assert_max_num_queries(11) as queries:
        response = client.get("/sitemap.xml")
    assert b"<lastmod>" in response.content
    records = [q["sql"] for q in queries.captured_queries if "revision" not in q["sql"]]
    assert records and all(re.search(r"\b(COUNT|MAX)\(", sql) for sql in records)


def download_package(client, folder):
    """The Data Package and its CSVs, written to `folder` as a reader would save them."""
    response = client.get("/datos/datapackage.json")
    assert response.status_code == 200
    descriptor = response.json()
    (folder / "datapackage.json").write_bytes(response.content)
    for resource in descriptor["resources"]:
        csv_response = client.get(f"/datos/{resource['path']}")
        assert csv_response.status_code == 200
        (folder / resource["path"]).write_bytes(body(csv_response))
    return descriptor


def test_the_data_package_holds_every_published_record(client, tmp_path):
    descriptor = download_package(client, tmp_path)
    assert descriptor["licenses"][0]["name"] == "CC-BY-4.0"
    assert [r["name"] for r in descriptor["resources"]] == [
        "instrumentos",
        "practicas",
        "areas-tematicas",
        "instituciones",
        "grupos-de-poblacion",
    ]
    counts = {
        "instrumentos": Instrument.objects.published().count(),
        "practicas": Practice.objects.published().count(),
        "areas_tematicas": ThematicArea.objects.count(),
        "instituciones": Institution.objects.count(),
        "grupos_de_poblacion": TargetGroup.objects.count(),
    }
    for resource in descriptor["resources"]:
        text = (tmp_path / resource["path"]).read_text(encoding="utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
        assert len(rows) == counts[resource["path"].removesuffix(".csv")]
        assert list(rows[0]) == [field["name"] for field in resource["schema"]["fields"]]
    # The catalogue's whole download and the package's instruments are the same records.
    catalogue = {row["url"] for row in csv_rows(client.get(f"{CATALOGUE}?formato=csv"))}
    text = (tmp_path / "instrumentos.csv").read_text(encoding="utf-8-sig")
    assert {row["url"] for row in csv.DictReader(io.StringIO(text))} == catalogue


def test_the_data_package_is_valid(client, tmp_path):
    frictionless = pytest.importorskip("frictionless")
    download_package(client, tmp_path)
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_an_unknown_data_resource_is_a_404(client):
    assert client.get("/datos/no-existe.csv").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        f"{CATALOGUE}?q=%C0%AF%FF&formato=csv",
        f"{CATALOGUE}?q=%00&formato=json",
        f"{CATALOGUE}?formato=csv&formato=json",
        f"{CATALOGUE}?formato=json&pagina=1e9",
        f"{CATALOGUE}?formato=json&pagina=-1",
        f"{CATALOGUE}?formato=atom&grupo=%FF",
        "/grupos/mujeres/?formato=json&pagina=99999",
        "/cronologia/?formato=json&desde=3000",
        "/instituciones/?formato=json&pagina=0",
        "/areas/no-existe/?formato=csv",
        "/datos/..%2Fsecret.csv",
        "/sitemap-nada.xml",
        "/sitemap-instrumentos.xml?p=999",
    ],
)
def test_odd_requests_never_fail(client, url):
    response = client.get(url)
    assert response.status_code in (200, 400, 404), response.status_code
    assert body(response) is not None


def test_a_record_cannot_plant_a_formula_in_the_spreadsheet(client):
    record = Instrument.objects.published().get(slug="ley-de-migracion")
    record.summary = '=HYPERLINK("http://example.com","x")'
    record.save()
    rows = csv_rows(client.get(f"{CATALOGUE}?formato=csv"))
    row = next(row for row in rows if row["slug"] == record.slug)
    assert row["resumen"] == f"'{record.summary}"
    data = client.get(f"{CATALOGUE}?formato=json").json()  # JSON is not a spreadsheet
    row = next(row for row in data["resultados"] if row["slug"] == record.slug)
    assert row["resumen"] == record.summary
