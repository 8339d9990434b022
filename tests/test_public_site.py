"""The public site as a reader meets it: every page answers, the catalogue's results, facet
counts and chips agree with the fixtures, bad input is named rather than fatal, drafts stay
private, query counts stay flat as the knowledge base grows, and the language switch works."""

import datetime
import html
import re
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from catalogue import views as catalogue_views
from catalogue.facets import FACETS, INSTITUTION_OPTIONS
from catalogue.filters import InstrumentFilter
from compact.models import SDGTarget
from core.records import PublicationStatus
from core.search import engine
from practices.models import Practice, ThematicArea
from programs.models import (
    Institution,
    Instrument,
    InstrumentKind,
    Participation,
    Place,
    Status,
    TargetGroup,
)
from tests.factories import make_instrument

pytestmark = pytest.mark.usefixtures("knowledge_base")

CATALOGUE = "/instrumentos/"
NNA = "ninas-ninos-y-adolescentes"
# The child protocols and the prevention model: all but the first are tagged only with
# sub-groups of NNA.
NNA_RECORDS = {
    "protocolo-nna-en-procedimientos-administrativos-migratorios",
    "protocolo-deteccion-nna-proteccion-internacional",
    "protocolo-atencion-consular-nna-no-acompanados",
    "modelo-de-prevencion-de-la-migracion-infantil-no-acompanada",
}
NNA_SUBGROUPS = ["nna-no-acompanados", "nna-en-riesgo-de-migrar"]
BORDER_CARD = "tarjeta-de-visitante-trabajador-fronterizo"
MEMORANDUM = "memorandum-de-entendimiento-en-materia-de-cooperacion-laboral"


def catalogue(client, query="", path=CATALOGUE):
    response = client.get(f"{path}?{query}")
    assert response.status_code == 200
    return response


def slugs(response):
    """Every result of a catalogue page, across all its pages."""
    return {instrument.slug for instrument in response.context["page"].paginator.object_list}


def count(response):
    return response.context["page"].paginator.count


def of_kinds(*kinds):
    return set(Instrument.objects.filter(kind__in=kinds).values_list("slug", flat=True))


def section(page, opening):
    """The inner HTML of the first element opened by `opening` (none nested inside)."""
    tag = opening.split()[0].lstrip("<")
    found = re.search(re.escape(opening) + r"[^>]*>(.*?)</" + tag + ">", page, re.S)
    return found.group(1) if found else ""


def hrefs(fragment):
    return [html.unescape(href) for href in re.findall(r'href="([^"]*)"', fragment)]


# 1. Every page answers ---------------------------------------------------------------


LIST_PAGES = [
    "/",
    "/areas/",
    CATALOGUE,
    "/grupos/",
    "/instituciones/",
    "/glosario/",
    "/cronologia/",
]


@pytest.mark.parametrize("path", LIST_PAGES)
def test_every_list_page_answers(client, path):
    assert client.get(path).status_code == 200


def test_the_glossary_lists_every_public_acronym_and_nothing_else(client):
    draft = Instrument.objects.published().exclude(acronym="").first()
    Instrument.objects.filter(pk=draft.pk).update(publication_status=PublicationStatus.DRAFT)
    entries = client.get("/glosario/").context["entries"]
    shown = {(type(record), record.pk) for record, _kind in entries}
    public = [
        *Instrument.objects.published(),
        *Institution.objects.all(),
        *TargetGroup.objects.all(),
    ]
    expected = {(type(record), record.pk) for record in public if record.acronym}
    assert shown == expected and len(expected) > 20
    assert [record.acronym.casefold() for record, _kind in entries] == sorted(
        record.acronym.casefold() for record, _kind in entries
    )


def test_the_areas_index_lists_each_area_with_its_counts_and_published_practices(client):
    page = client.get("/areas/")
    home = {area.pk: area for area in client.get("/").context["areas"]}
    areas = page.context["areas"]
    assert [area.number for area in areas] == [1, 2, 3, 4, 5, 6]
    content = page.content.decode()
    for area in areas:
        assert (area.practice_count, area.instrument_count) == (
            home[area.pk].practice_count,
            home[area.pk].instrument_count,
        )
        assert area.practice_count == area.practices.count() > 0
        assert f'href="{area.get_absolute_url()}"' in content
        for practice in area.practices.all():
            assert f'href="{practice.get_absolute_url()}"' in content


def test_the_areas_index_shows_an_areas_first_practices_and_links_to_the_rest(client, monkeypatch):
    monkeypatch.setattr(catalogue_views, "PRACTICES_PER_AREA", 2)
    page = client.get("/areas/")
    content = page.content.decode()
    crowded = 0
    for area in page.context["areas"]:
        practices = list(area.practices.published().order_by("position"))
        for shown, practice in enumerate(practices):
            link = f'href="{practice.get_absolute_url()}"'
            assert (link in content) == (shown < 2), (area.number, practice.slug)
        more = f"Ver las {len(practices)} prácticas del área {area.number}</a>"
        assert (more in content) == (len(practices) > 2)
        crowded += len(practices) > 2
    assert crowded  # the knowledge base has areas with more than two practices


def test_the_areas_index_leaves_out_a_draft_practice(client):
    practice = Practice.objects.order_by("pk").first()
    practice.publication_status = PublicationStatus.DRAFT
    practice.save()
    content = client.get("/areas/").content.decode()
    assert practice.get_absolute_url() not in content


def test_every_record_answers_and_is_linked_from_its_index(client):
    indexes = ["/", "/grupos/", "/instituciones/"]
    indexes += [area.get_absolute_url() for area in ThematicArea.objects.all()]
    indexes += [f"{CATALOGUE}?pagina={n}" for n in (1, 2, 3)]  # 45 results, 20 a page
    linked = "".join(client.get(url).content.decode() for url in indexes)
    records = [ThematicArea, Practice, Instrument, TargetGroup, Institution]
    records = [record for model in records for record in model.objects.all()]
    assert len(records) == 6 + 21 + 45 + 24 + 32
    for record in records:
        url = record.get_absolute_url()
        assert f'href="{url}"' in linked, url
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize(
    "prefix", ["areas", "practicas", "instrumentos", "grupos", "instituciones"]
)
def test_unknown_slug_is_404(client, prefix):
    assert client.get(f"/{prefix}/no-such-record/").status_code == 404


# 2. Catalogue results against the fixtures -------------------------------------------


def test_a_group_includes_its_sub_groups(client):
    tagged = set(Instrument.objects.filter(target_groups__slug=NNA).values_list("slug", flat=True))
    assert len(NNA_RECORDS - tagged) == 3
    found = slugs(catalogue(client, f"grupo={NNA}"))
    assert found >= NNA_RECORDS
    subtree = Instrument.objects.filter(target_groups__slug__in=[NNA, *NNA_SUBGROUPS])
    assert found == set(subtree.values_list("slug", flat=True))


def test_a_country_includes_its_states(client):
    guatemala = {BORDER_CARD, MEMORANDUM, "mesoamerica-sin-hambre"}
    assert slugs(catalogue(client, "lugar=GT")) >= guatemala
    card = Instrument.objects.get(slug=BORDER_CARD)
    assert not card.places.filter(code="MX") and card.places.filter(code="MX-CHP")
    mexico = slugs(catalogue(client, "lugar=MX"))
    assert {BORDER_CARD, "capacitacion-funcionarios-vulnerabilidad-migrantes"} <= mexico
    assert "visa-h-2a" not in mexico and "iniciativa-migrantes-en-paises-en-crisis" not in mexico
    in_mexico = Instrument.objects.filter(places__code__startswith="MX")
    assert mexico == set(in_mexico.values_list("slug", flat=True))


def test_or_within_a_facet_and_across_facets(client):
    assert slugs(catalogue(client, "tipo=ley&tipo=protocolo")) == of_kinds("ley", "protocolo")
    found = slugs(catalogue(client, "tipo=protocolo&grupo=victimas-de-trata"))
    assert found == {"protocolo-victimas-de-trata"}


@pytest.mark.parametrize("status", Status.values)
def test_status_filter_finds_only_the_statuses_the_source_states(client, status):
    response = catalogue(client, f"estado={status}")
    found = slugs(response)
    stated = Instrument.objects.published().filter(stated_status=status)
    assert found == set(stated.values_list("slug", flat=True))
    if status == Status.CONCLUDED:
        # «finalizó en mayo de 2011», «se implementó del 13 de enero al 18 de diciembre de
        # 2015»; the PTRM 2017's end is only announced («concluirá»), and a law with no end
        # date is not thereby in force.
        assert found == {"ptrm-2008", "ptrm-2015"}
    if status == Status.PLANNED:
        assert found == {Instrument.objects.get(acronym="PLM").slug}
    if status == Status.IN_FORCE:
        # No passage states a record in force: the old filter finds nothing, and says so.
        assert found == set()
        assert "Ningún instrumento cumple todos estos filtros." in response.content.decode()


def test_years_select_the_instruments_whose_period_overlaps(client):
    found = slugs(catalogue(client, "desde=2016&hasta=2016"))
    assert {MEMORANDUM, "construye-en-tu-tierra"} <= found
    assert "ptrm-2008" not in found  # ended in 2011
    overlapping = {
        i.slug
        for i in Instrument.objects.exclude(start_date=None)
        if i.start_date.year <= 2016 and (i.end_date is None or i.end_date.year >= 2016)
    }
    assert found == overlapping


@pytest.mark.parametrize("words", ["trabajadores", "TRABAJADORES", "PTAT", "agrícolas canadá"])
def test_words_find_the_ptat(client, words):
    ptat = "programa-de-trabajadores-agricolas-temporales-mexico-canada"
    assert ptat in slugs(catalogue(client, f"q={words}"))


@pytest.mark.parametrize("order", ["-fecha", "fecha"])
def test_sort_by_date_puts_undated_last(client, order):
    response = catalogue(client, f"orden={order}")
    dates = [i.start_date for i in response.context["page"].paginator.object_list]
    dated = [date for date in dates if date]
    assert dates == dated + [None] * (len(dates) - len(dated))
    assert dated == sorted(dated, reverse=order == "-fecha")
    first = response.context["page"].object_list[0]
    assert first.start_date == (max(dated) if order == "-fecha" else min(dated))


# 3. Facet counts ---------------------------------------------------------------------


def facet_values(name):
    return {
        "area": [str(number) for number in range(1, 7)],
        "tipo": InstrumentKind.values,
        "grupo": TargetGroup.objects.values_list("slug", flat=True),
        "institucion": Institution.objects.values_list("slug", flat=True),
        "lugar": Place.objects.values_list("code", flat=True),
        "estado": Status.values,
        "objetivo": [str(number) for number in range(1, 24)],
        "ods": SDGTarget.objects.values_list("code", flat=True),
    }[name]


FACET_STATES = ["", "tipo=protocolo", "grupo=trabajadores-migrantes&lugar=MX"]
FACET_STATES += ["estado=vigente&desde=2012&area=6", "q=migrantes&institucion=inm"]
FACET_STATES += ["objetivo=5&ods=8.8&q=trabajadores"]


@pytest.mark.parametrize("query", FACET_STATES)
def test_each_option_counts_the_results_of_choosing_it(client, query):
    """An option's count is the result count with its facet set to that option and every
    other filter kept (for a facet with nothing ticked: ticking it); an option the facet
    leaves out would give no results, or, among institutions, which show only the
    INSTITUTION_OPTIONS with most results, no more than the last one shown."""
    response = catalogue(client, query)
    facets = response.context["facets"]
    assert [facet.name for facet in facets] == list(FACETS)
    for facet in facets:
        shown = {option.value: option.count for option in facet.options}
        fewest_shown = min(shown.values(), default=0)
        if facet.name == "institucion":
            assert len(shown) <= INSTITUTION_OPTIONS + len(facet.selected)
        for value in facet_values(facet.name):
            params = QueryDict(query, mutable=True)
            params.setlist(facet.name, [value])
            expected = InstrumentFilter(params, queryset=Instrument.objects.published()).qs
            if value in shown:
                assert shown[value] == expected.count(), (facet.name, value)
            elif facet.name == "institucion" and len(shown) >= INSTITUTION_OPTIONS:
                assert expected.count() <= fewest_shown, (facet.name, value)
            else:
                assert expected.count() == 0, (facet.name, value)
    panel = section(response.content.decode(), '<aside class="catalogue-filters"')
    rendered = [int(n) for n in re.findall(r'<span class="count"[^>]*>(\d+)</span>', panel)]
    assert rendered == [option.count for facet in facets for option in facet.options]


@pytest.mark.parametrize(
    "query, facet, parent", [("q=PTRM", "grupo", "personas-migrantes"), ("q=TVTF", "lugar", "MX")]
)
def test_a_parent_counts_an_instrument_tagged_twice_beneath_it_once(client, query, facet, parent):
    # The PTRMs' record is tagged with two sub-groups of "personas-migrantes"; the
    # border-worker card with four Mexican states and not "MX".
    response = catalogue(client, query)
    counts = {f.name: {o.value: o.count for o in f.options} for f in response.context["facets"]}
    results = Instrument.objects.filter(slug__in=slugs(response))
    if facet == "grupo":
        children = TargetGroup.objects.filter(parent__slug=parent).values_list("slug", flat=True)
        tagged = results.for_target_groups(TargetGroup.objects.filter(slug=parent))
    else:
        children = Place.objects.filter(country__code=parent).values_list("code", flat=True)
        tagged = results.for_places(Place.objects.filter(code=parent))
    below = sum(counts[facet].get(child, 0) for child in children)
    assert below > counts[facet][parent] == tagged.count() > 0


def test_timeline_counts_only_dated_instruments(client):
    response = client.get("/cronologia/")
    dated = Instrument.objects.exclude(start_date=None).order_by("start_date", "name")
    bars = [bar.instrument.slug for bar in response.context["timeline"].bars]
    assert bars == list(dated.values_list("slug", flat=True))
    for facet in response.context["facets"]:
        for option in facet.options:
            filtered = client.get(f"/cronologia/?{facet.name}={option.value}")
            assert len(filtered.context["timeline"].bars) == option.count, option.value


# 4. Bad input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, query, invalid",
    [
        (CATALOGUE, "tipo=nonsense", "tipo"),
        (CATALOGUE, "grupo=no-such-group", "grupo"),
        (CATALOGUE, "desde=abc", "desde"),
        (CATALOGUE, "desde=99999", "desde"),
        (CATALOGUE, "q=" + "a" * 201, "q"),
        (CATALOGUE, "q=a%00b", "q"),
        (CATALOGUE, "orden=bogus", "orden"),
        (CATALOGUE, "area=7&tipo=ley", "area"),
        (CATALOGUE, "lugar=XX&tipo=ley", "lugar"),
        ("/grupos/personas-migrantes/", "institucion=nadie", "institucion"),
        ("/cronologia/", "grupo=no-such-group", "grupo"),
    ],
)
def test_an_invalid_filter_is_ignored_and_named(client, path, query, invalid):
    response = client.get(f"{path}?{query}")
    assert response.status_code == 200
    with translation.override("es-mx"):
        label = str(InstrumentFilter.base_filters[invalid].label)
    assert label in section(response.content.decode(), '<div class="notice"')
    if "page" in response.context:  # the other filters still apply
        valid = "&".join(p for p in query.split("&") if not p.startswith(f"{invalid}="))
        assert slugs(response) == slugs(catalogue(client, valid, path=path))


def test_a_repeated_value_counts_once(client):
    response = catalogue(client, "tipo=ley&tipo=ley")
    assert 'class="notice"' not in response.content.decode()
    assert slugs(response) == of_kinds("ley")
    assert len(response.context["chips"]) == 1


@pytest.mark.parametrize("path", [CATALOGUE, "/grupos/personas-migrantes/"])
@pytest.mark.parametrize("number", ["0", "-1", "abc", "999999999999", "1e400"])
def test_a_page_number_out_of_range_is_404(client, path, number):
    assert client.get(f"{path}?tipo=ley&pagina={number}").status_code == 404


def test_html_in_the_words_is_escaped(client):
    payload = "<script>alert(1)</script>"
    page = client.get(CATALOGUE, {"q": payload}).content.decode()
    assert payload not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# 5. Chips and the empty state --------------------------------------------------------


class FilterForm(HTMLParser):
    """What the filter form sends as it stands, and the «quitar» buttons that send it."""

    def __init__(self, page):
        super().__init__()
        self.fields, self.removals = [], []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "button" and attrs.get("form") == "filtros" and attrs.get("name") == "quitar":
            self.removals.append(attrs["value"])
        elif tag == "input" and attrs.get("name"):
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.fields.append((attrs["name"], attrs.get("value") or ""))


def press(client, response, removal):
    """Send the filter form with the «quitar» button `removal`; follow its redirect."""
    form = FilterForm(response.content.decode())
    assert removal in form.removals
    answer = client.get(response.request["PATH_INFO"], [*form.fields, ("quitar", removal)])
    assert answer.status_code == 302 and "quitar" not in answer.url
    return client.get(answer.url)


def test_removing_a_chip_leaves_the_other_filter(client):
    response = catalogue(client, "tipo=ley&tipo=protocolo")
    form = FilterForm(response.content.decode())
    assert len(form.removals) == len(response.context["chips"]) == 2
    after = press(client, response, form.removals[0])
    assert len(after.context["chips"]) == 1
    assert slugs(after) == of_kinds("protocolo")


def test_a_chip_carries_only_what_it_removes(client):
    """The page does not repeat the whole query once per chip: its size grows with the
    number of filters, not with its square."""
    values = [slug for slug in TargetGroup.objects.values_list("slug", flat=True)][:12]
    page = catalogue(client, "&".join(f"grupo={v}" for v in values)).content.decode()
    chips = section(page, '<ul class="chips"')
    assert all(chips.count(value) <= 2 for value in values)  # its button and its label


def test_an_empty_result_suggests_what_to_loosen(client):
    response = catalogue(client, "tipo=ley&grupo=jovenes")
    assert count(response) == 0 and len(response.context["chips"]) == 2
    suggested = [results for _label, results, _name in response.context["loosen"]]
    assert suggested == sorted(suggested, reverse=True)
    names = [name for _label, _results, name in response.context["loosen"]]
    assert len(names) == len(suggested) == 2
    for name, results in zip(names, suggested, strict=True):
        assert count(press(client, response, name)) == results > 0


@pytest.mark.parametrize(
    "query, name",
    [("area=1&tipo=memorandum", "area"), ("institucion=inm&grupo=jovenes", "institucion")],
)
def test_a_ticked_value_keeps_its_chip_when_nothing_matches(client, query, name):
    response = catalogue(client, query)
    assert count(response) == 0
    facet = next(facet for facet in response.context["facets"] if facet.name == name)
    assert [option.value for option in facet.selected] == [QueryDict(query)[name]]
    assert len(response.context["chips"]) == 2


# 6. Target groups --------------------------------------------------------------------


def test_group_pages_scope_the_catalogue_and_match_the_index(client):
    index = client.get("/grupos/")
    counts, pending = {}, list(index.context["groups"])
    while pending:
        group = pending.pop()
        counts[group.slug] = group.instrument_count
        pending.extend(group.subgroups)
    assert set(counts) == set(TargetGroup.objects.values_list("slug", flat=True))
    for group in TargetGroup.objects.all():
        scoped = slugs(catalogue(client, path=group.get_absolute_url()))
        assert scoped == slugs(catalogue(client, f"grupo={group.slug}")), group.slug
        assert counts[group.slug] == len(scoped), group.slug
    nna = slugs(catalogue(client, path=f"/grupos/{NNA}/"))
    assert nna >= NNA_RECORDS
    shown = rf'/grupos/{NNA}/">[^<]*</a> <span class="count">{len(nna)} '
    assert re.search(shown, index.content.decode())


def options_of(response):
    """{(facet, value): (label, count, ticked)} of a catalogue page's facets."""
    return {
        (facet.name, option.value): (option.label, option.count, option.selected)
        for facet in response.context["facets"]
        for option in facet.options
    }


def test_a_groups_facets_are_shared_by_its_pages_and_follow_every_change(client):
    """A group's facets with nothing searched or filtered are counted once per revision,
    language and group, and shared by its page numbers and orders (catalogue/facets.py):
    what another request ticks or another language labels stays out of them, and an
    instrument added to the group counts at once."""
    path = f"/grupos/{NNA}/"
    first = options_of(client.get(path))
    assert not any(ticked for _, _, ticked in first.values())
    ticked = options_of(client.get(f"{path}?tipo=protocolo"))
    assert ticked[("tipo", "protocolo")][2] is True
    assert options_of(client.get(f"{path}?orden=-nombre")) == first
    assert options_of(client.get("/grupos/victimas-de-trata/")) != first
    english = options_of(client.get(f"/en{path}"))
    assert english[("tipo", "protocolo")][0] == "protocol" != first[("tipo", "protocolo")][0]
    assert options_of(client.get(path)) == first

    laws = first.get(("tipo", "ley"), ("", 0, False))[1]
    law = make_instrument(slug="ley-nueva", publication_status=PublicationStatus.PUBLISHED)
    law.target_groups.add(TargetGroup.objects.get(slug=NNA))
    assert options_of(client.get(path))[("tipo", "ley")][1] == laws + 1


# 7. Drafts ---------------------------------------------------------------------------


def test_drafts_disappear_from_every_public_page(client):
    instrument = Instrument.objects.get(slug="ptrm-2015")
    practice = Practice.objects.get(slug="mesoamerica-sin-hambre")  # its instrument's only one
    institution = Participation.objects.filter(instrument=instrument).first().institution
    area2, area6 = (ThematicArea.objects.get(number=n).get_absolute_url() for n in (2, 6))
    links = [  # (a page, the record it links to while published)
        *((url, instrument) for url in ["/", area6, "/glosario/", "/cronologia/"]),
        ("/practicas/regularizacion-migratoria/", instrument),
        ("/instrumentos/programas-temporales-de-regularizacion-migratoria/", instrument),
        (institution.get_absolute_url(), instrument),
        (area2, practice),
        ("/instrumentos/mesoamerica-sin-hambre/", practice),
    ]

    def page(url):
        return client.get(url).content.decode()

    def state():
        home, everything = client.get("/"), catalogue(client)
        facets, areas = everything.context["facets"], home.context["areas"]
        return {
            "results": slugs(everything),
            "area 2": slugs(catalogue(client, "area=2")),
            "facets": {(f.name, o.value): o.count for f in facets for o in f.options},
            "areas": {a.number: (a.practice_count, a.instrument_count) for a in areas},
            "groups": {
                g.slug: g.instrument_count for g in client.get("/grupos/").context["groups"]
            },
            "figure": "2,994" in home.content.decode(),
            "links": [record.get_absolute_url() in page(url) for url, record in links],
        }

    before = state()
    for record in (instrument, practice):
        record.publication_status = PublicationStatus.DRAFT
        record.save()
    after = state()

    assert client.get(instrument.get_absolute_url()).status_code == 404
    assert client.get(practice.get_absolute_url()).status_code == 404
    assert after["results"] == before["results"] - {"ptrm-2015"}
    assert after["area 2"] == before["area 2"] - {"mesoamerica-sin-hambre"}
    for key in [("tipo", "programa"), ("estado", "concluido"), ("area", "2"), ("area", "6")]:
        assert after["facets"][key] == before["facets"][key] - 1, key
    assert after["areas"][2] == (before["areas"][2][0] - 1, before["areas"][2][1] - 1)
    assert after["areas"][6] == (before["areas"][6][0], before["areas"][6][1] - 1)
    assert after["groups"]["personas-migrantes"] == before["groups"]["personas-migrantes"] - 1
    assert before["figure"] and not after["figure"]
    assert all(before["links"]) and not any(after["links"])


# 8. Query counts ---------------------------------------------------------------------

# Page: (URL, queries measured on SQLite and PostgreSQL alike, the revision lookup of
# core/caching.py included), once the search index of the knowledge base's revision is
# built: the first request after a change builds it, in a fixed number of queries of its
# own (test_building_the_index_costs_the_same_queries_at_any_size). The same numbers hold
# at 100,000 instruments (make bench).
MEASURED = {
    "home": ("/", 5),
    "area": ("/areas/trabajo-decente-movilidad-laboral-y-migracion-regular/", 7),
    # Two of them read the record's objectives of the Global Compact (compact app).
    "practice": ("/practicas/politicas-de-movilidad-laboral/", 6),
    "instrument": ("/instrumentos/ley-de-migracion/", 10),
    "catalogue": (CATALOGUE, 4),
    "catalogue, 2 filters": (f"{CATALOGUE}?tipo=programa&grupo=personas-migrantes", 5),
    "catalogue, 3 filters": (f"{CATALOGUE}?tipo=programa&grupo=personas-migrantes&lugar=MX", 6),
    "catalogue, deep page": (f"{CATALOGUE}?pagina=3", 4),
    "search": (f"{CATALOGUE}?q=trabajadores+agricolas", 7),
    "search, 2 filters": (f"{CATALOGUE}?q=migrantes&tipo=programa&grupo=personas-migrantes", 9),
    "group": ("/grupos/trabajadores-migrantes/", 6),
    "group index": ("/grupos/", 2),
    "institution index": ("/instituciones/", 3),
    "institution": ("/instituciones/stps/", 3),
    "glossary": ("/glosario/", 4),
    "timeline": ("/cronologia/", 2),
}


@pytest.mark.parametrize("page", MEASURED)
def test_query_budget(client, django_assert_max_num_queries, page):
    url, measured = MEASURED[page]
    assert client.get(url).status_code == 200  # builds this revision's index
    with django_assert_max_num_queries(measured):
        assert client.get(url).status_code == 200


def query_counts(client):
    counts = {}
    for page, (url, _measured) in MEASURED.items():
        assert client.get(url).status_code == 200
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts[page] = len(queries)
    return counts


def index_build_queries():
    engine.forget()
    with CaptureQueriesContext(connection) as queries:
        snapshot = engine.snapshot()
        for model in (Instrument, Practice, ThematicArea, Institution, TargetGroup):
            snapshot.index(model)
    return len(queries)


def test_building_the_index_costs_the_same_queries_at_any_size():
    before = index_build_queries()
    for n in range(30):
        Instrument.objects.create(
            slug=f"instrumento-extra-{n}",
            name=f"Instrumento extra {n}",
            kind=InstrumentKind.PROGRAM,
            summary="Un instrumento de prueba.",
            citation="Prueba.",
            publication_status=PublicationStatus.PUBLISHED,
        ).target_groups.add(TargetGroup.objects.first())
    assert index_build_queries() == before


def test_query_counts_do_not_grow_with_the_data(client):
    before = query_counts(client)
    practice = Practice.objects.get(slug="politicas-de-movilidad-laboral")
    groups = list(TargetGroup.objects.filter(slug__startswith="trabajadores-"))
    institutions = list(Institution.objects.filter(slug__in=["stps", "inm", "oim"]))
    places = list(Place.objects.filter(code__in=["MX", "MX-CHP", "GT"]))
    for n in range(30):
        instrument = Instrument.objects.create(
            slug=f"instrumento-extra-{n}",
            name=f"Instrumento extra {n}",
            acronym=f"EXTRA{n}",
            kind=InstrumentKind.values[n % len(InstrumentKind.values)],
            summary="Un instrumento de prueba.",
            citation="Prueba.",
            publication_status=PublicationStatus.PUBLISHED,
            start_date=datetime.date(2000 + n % 20, 1, 1),
            start_precision="year",
            start_kind="iniciado",
        )
        instrument.target_groups.add(groups[n % 3])
        instrument.places.add(places[n % 3])
        institution = institutions[n % 3]
        Participation.objects.create(instrument=instrument, institution=institution, role="socio")
        practice.instruments.add(instrument)
    assert count(catalogue(client)) == 75
    assert query_counts(client) == before


# 9. Language -------------------------------------------------------------------------


def test_each_page_has_one_address_per_language_and_links_to_the_others(client):
    """Spanish at the root, English under /en/: the language is in the address, so a
    page in either can be linked and cited; each names the other (hreflang) and the
    header's switch leads to the same page, filters kept."""
    addresses = {"es-mx": f"{CATALOGUE}?tipo=ley", "en": f"/en{CATALOGUE}?tipo=ley"}
    names = {"es-mx": "Español", "en": "English"}
    hreflangs = {"es-mx": "es-MX", "en": "en"}
    for language, address in addresses.items():
        page = client.get(address, headers={"accept-language": "en"}).content.decode()
        assert f'<html lang="{language}">' in page
        for other, other_address in addresses.items():
            absolute = f"http://testserver{other_address}"
            assert f'<link rel="alternate" hreflang="{hreflangs[other]}" href="{absolute}">' in page
            if other != language:
                link = f'<a href="{other_address}" hreflang="{hreflangs[other]}"'
                assert f'{link} lang="{hreflangs[other]}">{names[other]}</a>' in page
        default = f'hreflang="x-default" href="http://testserver{addresses["es-mx"]}"'
        assert default in page


def test_a_missing_page_links_to_the_other_languages_home(client):
    response = client.get("/en/no-existe/")
    assert response.status_code == 404
    assert '<a href="/" hreflang="es-MX" lang="es-MX">Español</a>' in response.content.decode()


# 10. Home and area pages -------------------------------------------------------------


def test_home_shows_areas_groups_and_figures(client):
    response = client.get("/")
    page = response.content.decode()
    areas = [area.get_absolute_url() for area in ThematicArea.objects.order_by("number")]
    assert hrefs(section(page, '<ol class="area-grid"')) == areas
    # The groups readers ask for most, subgroups included, one click away.
    asked = ["ninas-ninos-y-adolescentes", "nna-no-acompanados", "mujeres", "personas-indigenas"]
    asked += ["victimas-de-trata", "trabajadores-agricolas", "migrantes-de-retorno"]
    asked += ["personas-refugiadas"]
    groups = [TargetGroup.objects.get(slug=slug) for slug in asked]
    links = section(page, '<ul class="group-links"')
    assert hrefs(links) == [group.get_absolute_url() for group in groups]
    assert any(group.parent_id for group in groups)
    assert "Agricultura familiar" not in links
    for group in response.context["groups"]:
        assert group.instrument_count == count(catalogue(client, f"grupo={group.slug}"))
    figures = re.findall(r'<span class="figure-value">([^<]*)</span>', page)
    assert figures == ["60,569", "10,122", "2,994", "3"]


@pytest.mark.parametrize("number", range(1, 7))
def test_area_page_links_its_neighbours(client, number):
    areas = {area.number: area.get_absolute_url() for area in ThematicArea.objects.all()}
    page = client.get(areas[number]).content.decode()
    previous = re.findall(r'<a rel="prev" href="([^"]*)"', page)
    following = re.findall(r'<a rel="next" href="([^"]*)"', page)
    assert previous == ([areas[number - 1]] if number > 1 else [])
    assert following == ([areas[number + 1]] if number < 6 else [])


def area_counts(client, summary, param):
    """(value, shown, found) for each count on area 6's page and the catalogue it links to."""
    response = client.get(ThematicArea.objects.get(number=6).get_absolute_url())
    rows = []
    for value, _label, shown in response.context[summary]:
        assert f"?area=6&amp;{param}={value}" in response.content.decode()
        rows.append((value, shown, count(catalogue(client, f"area=6&{param}={value}"))))
    return rows


def test_area_page_kind_counts_match_the_catalogue(client):
    rows = area_counts(client, "kinds", "tipo")
    assert rows and all(shown == found for _value, shown, found in rows)


def test_area_page_group_counts_match_the_catalogue(client):
    rows = area_counts(client, "groups", "grupo")
    assert [row for row in rows if row[1] != row[2]] == []


def test_a_filtered_catalogue_names_its_count_and_filters_in_title_and_heading(client):
    content = catalogue(client, "grupo=mujeres&area=3").content.decode()
    count = Instrument.objects.published().filter(
        target_groups__slug="mujeres", practices__area__number=3
    )
    count = count.distinct().count()
    title = re.search(r"<title>(.*?)</title>", content, re.S)[1]
    heading = re.search(r'<h2 id="resultados">(.*?)</h2>', content, re.S)[1]
    for text in (title, heading):
        assert f"{count} instrumento" in text
        assert "Mujeres" in text and "3" in text


def test_a_long_facet_shows_its_first_options_and_the_rest_behind_ver_mas(client):
    facets = catalogue(client, "").context["facets"]
    long = next(facet for facet in facets if len(facet.options) > 8)
    content = catalogue(client, "").content.decode()
    assert f"Ver {len(long.options) - 8} más" in content
    hidden = long.options[-1]
    ticked = catalogue(client, f"{long.name}={hidden.value}").content.decode()
    assert '<details class="facet-more" open>' in ticked
