"""A record's page reads like a good public-service page: its type and stated status as
tags, key figures before the facts, the facts as a summary list, each relationship with
the kind of what it links to, the source passage said once, the citation in a block of
its own, and a contents list when the record is long."""

import html
import json
import re

import pytest

from core.templatetags.reading import opens_like, restates
from practices.models import Practice
from programs.models import Institution, Instrument
from tests.factories import make_instrument

pytestmark = pytest.mark.usefixtures("knowledge_base")


def main_text(page):
    """The words of the page's <main>, what <details> hide left out."""
    main = re.search(r"<main[^>]*>(.*)</main>", page, re.S)[1]
    shown = re.sub(r"<details.*?</details>", " ", main, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", shown)).split())


def get(client, record):
    response = client.get(record.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_a_practice_says_its_passage_once_and_keeps_the_source_words_at_hand(client):
    practice = Practice.objects.get(slug="ley-de-migracion-y-derechos-humanos")
    page = get(client, practice)
    # Summary, text and source passage all open with this sentence: it is shown once.
    assert main_text(page).count("se sustenta en el respeto irrestricto") == 1
    # The source's own words (with its errata) are still on the page, one click away.
    source = re.search(r'<section class="source".*?</section>', page, re.S)[0]
    assert "<details" in source
    assert "pre configurará por sí misma" in html.unescape(source)


def test_a_passage_the_page_does_not_restate_is_shown_as_inset_text(client):
    practice = Practice.objects.get(slug="educacion-para-la-igualdad-y-la-no-discriminacion")
    page = get(client, practice)
    assert not restates(practice.body, practice.source_quote)
    source = re.search(r'<section class="source".*?</section>', page, re.S)[0]
    assert "<details" not in source and '<blockquote class="source-quote"' in source
    # Its summary does not repeat the text's opening: it stays as the lead.
    assert '<p class="lead">' in page


def test_type_and_stated_status_are_tags(client):
    page = get(client, Instrument.objects.get(slug="ptrm-2008"))
    kicker = re.search(r'<p class="kicker">(.*?)</p>', page, re.S)[1]
    assert '<strong class="tag-kind">Programa</strong>' in kicker
    assert '<strong class="status status-concluido">concluido (según la fuente)</strong>' in kicker


def test_key_figures_come_before_the_facts_and_show_their_source_on_demand(client):
    page = get(client, Instrument.objects.get(slug="ptrm-2008"))
    assert page.index('id="cifras"') < page.index('id="datos"')
    figure = re.search(r'<li id="cifra-[^"]+">(.*?)</li>', page, re.S)[1]
    assert '<details class="figure-source">' in figure
    assert "El PTRM 2008 benefició a un total de 10.122 extranjeros." in figure


def test_each_relationship_names_the_kind_of_what_it_links_to(client):
    law = Instrument.objects.get(slug="ley-de-migracion")
    page = get(client, law)
    relations = re.search(r'<dl class="facts relations">(.*?)</dl>', page, re.S)[1]
    resting = {item.get_absolute_url(): item for item in law.rests_on_it.published()}
    link = r'<a href="([^"]+)">[^<]*</a> <span class="badge">([^<]*)<'
    links = re.findall(link, relations)
    assert resting and set(resting) <= {url for url, _kind in links}
    for url, kind in links:
        if url in resting:
            assert kind == resting[url].get_kind_display()


def relation_rows(page):
    """Each relationship's heading with the names it links to."""
    relations = re.search(r'<dl class="facts relations">(.*?)</dl>', page, re.S)[1]
    rows = re.findall(r"<div><dt>([^<]+)</dt>(.*?)</div>", relations, re.S)
    return {dt: re.findall(r'<a href="[^"]+">([^<]*)</a>', dd) for dt, dd in rows}


def test_each_relation_lists_its_published_instruments_under_its_own_heading(client):
    protocol = make_instrument(slug="protocolo-p", name="Protocolo P", kind="protocolo")
    law = Instrument.objects.get(slug="ley-de-migracion")
    protocol.legal_basis.add(law)
    for relation in ("children", "legal_basis", "related"):
        for status in ("published", "draft"):
            linked = make_instrument(
                slug=f"{relation}-{status}", name=f"{relation} {status}", publication_status=status
            )
            if relation == "children":
                linked.parent = protocol
                linked.save()
            else:
                getattr(protocol, relation).add(linked)
    protocol.publication_status = "published"
    protocol.save()
    page = get(client, protocol)
    rows = relation_rows(page)
    assert rows["Incluye"] == ["children published"]
    assert rows["Fundamento legal"] == ["Ley de Migración (LM)", "legal_basis published"]
    assert rows["Relacionados"] == ["related published"]
    assert "Protocolo P" in relation_rows(get(client, law))["Se sustentan en este instrumento"]
    # The page's JSON-LD names the same published laws.
    data = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)[1]
    assert json.loads(data)["isBasedOn"] == [
        f"http://testserver{law.get_absolute_url()}",
        "http://testserver/instrumentos/legal_basis-published/",
    ]


def test_a_long_record_has_a_contents_list_of_its_sections(client):
    page = get(client, Instrument.objects.get(slug="ley-de-migracion"))
    contents = re.search(r'<nav class="contents"[^>]*>(.*?)</nav>', page, re.S)[1]
    anchors = re.findall(r'href="#([^"]+)"', contents)
    sections = [anchor for anchor in re.findall(r'<h2 id="([^"]+)"', page) if anchor != "indice"]
    assert anchors == sections
    assert anchors[-2:] == ["fuente", "citar"] and "datos" in anchors


def test_a_short_record_has_no_contents_list(client):
    short = next(
        institution
        for institution in Institution.objects.all()
        if len({p.role for p in institution.participations.all()}) == 1
    )
    assert '<nav class="contents"' not in get(client, short)


def test_the_citation_is_a_block_of_its_own(client):
    page = get(client, Practice.objects.order_by("slug")[0])
    cite = re.search(r'<section class="cite"[^>]*>(.*?)</section>', page, re.S)[1]
    assert '<h2 id="citar">Citar este registro</h2>' in cite
    assert '<p class="cite-text">' in cite


@pytest.mark.parametrize(
    "text, other, expected",
    [
        ("Una frase.", "Una frase. Y otra más.", True),
        ("«Una» frase", "una, FRASE y más", True),
        (
            "uno dos tres cuatro cinco seis siete ocho y fin",
            "uno dos tres cuatro cinco seis siete ocho, luego otro final",
            True,
        ),
        ("uno dos tres cuatro cinco seis siete", "uno dos tres cuatro cinco seis ocho", False),
        ("", "algo", False),
    ],
)
def test_opens_like(text, other, expected):
    assert opens_like(text, other) is expected


def test_restates_asks_for_nearly_all_of_the_passage():
    passage = "uno dos tres cuatro cinco seis siete ocho nueve diez"
    assert restates("Uno, dos, tres, cuatro, cinco, seis, siete, ocho y más", passage)
    assert not restates("uno dos tres cuatro cinco seis siete", passage)
    assert not restates("", passage) and not restates("algo", "")
