"""What readers do on the public site, in a real browser: from an area to a program and
the law it rests on, a search typed without accents, the language switch, and the filter
panel on a phone. (The editor's journey is in test_editor_journey.py.)"""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.served_site import (
    PHONE,
    PROGRAM_AREA,
    no_horizontal_scroll,
)

# Each test reads the knowledge base the module loads once (see served_site.py): it runs
# inside a transaction of its own, and the module's records stay committed around it.
pytestmark = [pytest.mark.browser, pytest.mark.django_db]

AREA_TITLE = "Trabajo decente, movilidad laboral y migración regular"
GROUP = "Migrantes en situación migratoria irregular"
# The source names the irregular migrants on the programs as a whole, not on each year.
PROGRAM = "Programas Temporales de Regularización Migratoria"
LAW = "Ley de Migración"


def result_count(page):
    """The number of results the catalogue announces in its results heading."""
    return int(re.match(r"\d+", page.locator("#resultados").inner_text()).group())


def test_from_an_area_to_a_program_and_the_law_it_rests_on(site, browser):
    page = site.open(browser)
    page.goto("/")
    page.get_by_role("link", name=re.compile(AREA_TITLE)).click()
    expect(page.locator("h1")).to_have_text(AREA_TITLE)

    # The area's count of programs leads to the catalogue, scoped to the area and kind.
    by_kind = page.locator("#por-tipo + ul")
    by_kind.get_by_role("link", name=re.compile(r"^Programa \d+$")).click()
    expect(page.locator("h1")).to_have_text("Catálogo de instrumentos")
    chips = page.get_by_role("list", name="Filtros activos")
    expect(chips.get_by_role("button")).to_have_count(2)
    area_programs = result_count(page)

    # Ticking a target group narrows the results to the programs for that group.
    with page.expect_navigation():
        page.get_by_role("checkbox", name=re.compile(f"^{GROUP}")).click()
    assert f"area={PROGRAM_AREA}" in page.url and "grupo=" in page.url
    expect(page.get_by_role("checkbox", name=re.compile(f"^{GROUP}"))).to_be_checked()
    expect(chips.get_by_role("button")).to_have_count(3)
    for_group = result_count(page)
    assert 0 < for_group < area_programs
    cards = page.locator(".results .card")
    expect(cards).to_have_count(for_group)
    for card in cards.all():
        expect(card.locator(".badge")).to_have_text("Programa")
        expect(card.locator(".tags")).to_contain_text(GROUP)

    page.get_by_role("link", name=re.compile(f"^{PROGRAM}")).click()
    expect(page.locator("h1")).to_contain_text(PROGRAM)
    legal_basis = page.locator(".facts div", has=page.locator("dt", has_text="Fundamento legal"))
    legal_basis.get_by_role("link", name=LAW).click()

    expect(page.locator("h1")).to_have_text(f"{LAW} (LM)")
    # The link back: the law lists the programs that rest on it.
    resting = page.locator(
        ".facts div", has=page.locator("dt", has_text="Se sustentan en este instrumento")
    )
    expect(resting.get_by_role("link", name=re.compile(f"^{PROGRAM}"))).to_be_visible()


@pytest.mark.parametrize(
    ("start", "search_box", "words", "record"),
    [
        (
            "/",
            "#hero-search",
            "ninos no acompanados",
            "Protocolo para la atención consular de niñas, niños y adolescentes migrantes "
            "no acompañados",
        ),
        ("/glosario/", "#site-search", "proteccion", "Grupos Beta de Protección a Migrantes"),
    ],
    ids=["home-search-box", "header-search-box"],
)
def test_a_search_typed_without_accents_finds_the_accented_record(
    site, browser, start, search_box, words, record
):
    page = site.open(browser)
    page.goto(start)
    page.fill(search_box, words)
    page.press(search_box, "Enter")

    expect(page.locator("h1")).to_have_text("Catálogo de instrumentos")
    # The header's search box and the filter panel's both show what was searched.
    expect(page.locator("#site-search")).to_have_value(words)
    expect(page.locator("#filtro-q")).to_have_value(words)
    assert result_count(page) > 0
    result = page.locator(".results .card h3 a", has_text=record)
    expect(result).to_have_count(1)
    # The accented words the unaccented query matched are highlighted.
    first_word = words.split()[0]
    accented = {"ninos": "niños", "proteccion": "protección"}[first_word]
    expect(result.locator("mark", has_text=re.compile(accented, re.IGNORECASE))).not_to_have_count(
        0
    )

    result.click()
    expect(page.locator("h1")).to_contain_text(record)


def test_the_language_switch_leads_to_the_same_page_in_the_other_language(site, browser):
    page = site.open(browser, locale="es-MX")
    page.goto("/")
    html = page.locator("html")
    nav = page.get_by_role("navigation", name="Secciones")
    expect(html).to_have_attribute("lang", "es-mx")
    expect(nav).to_contain_text("Áreas temáticas")

    page.get_by_role("navigation", name="Idioma").get_by_role("link", name="English").click()

    # The same page, now in English, at an address of its own.
    expect(html).to_have_attribute("lang", "en")
    assert page.url == site.url + "/en/"
    expect(page.locator("h1")).to_have_text("Mexico's good practices on migration")
    nav = page.get_by_role("navigation", name="Sections")
    expect(nav).to_contain_text("Thematic areas")

    # Its links stay in English; the address, sent to someone whose browser asks for
    # Spanish, opens in English.
    nav.get_by_role("link", name="Catalogue").click()
    expect(html).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Instruments catalogue")
    page.locator(".results .card h3 a").first.click()
    expect(html).to_have_attribute("lang", "en")
    # The first fact is a date, named by what it marks, or the status the source states.
    english_fact = "Signed|Launched|Published|In force since|Created|Started|Date|Status.*"
    expect(page.locator(".facts dt").first).to_have_text(re.compile(f"^({english_fact})$"))
    record_url = page.url
    assert record_url.startswith(site.url + "/en/instrumentos/")
    other_tab = page.context.new_page()
    other_tab.goto(record_url)
    expect(other_tab.locator("html")).to_have_attribute("lang", "en")

    # Back to Spanish from a record's page: the reader stays on the record.
    page.get_by_role("navigation", name="Language").get_by_role("link", name="Español").click()
    expect(html).to_have_attribute("lang", "es-mx")
    assert page.url == record_url.replace("/en/", "/", 1)
    expect(page.get_by_role("navigation", name="Secciones")).to_contain_text("Catálogo")


def test_the_filter_panel_on_a_phone(site, browser):
    page = site.open(browser, viewport=PHONE, is_mobile=True, has_touch=True)
    page.goto(site.paths["catalogue"])
    everything = result_count(page)
    panel = page.locator("details.filter-panel")
    summary = panel.locator("> summary")
    women = page.get_by_role("checkbox", name=re.compile("^Mujeres"))
    apply = page.get_by_role("button", name="Aplicar filtros")

    # The panel is closed in the page itself (no script closes it after the first paint, so
    # nothing shifts), and the results come first.
    expect(panel).not_to_have_attribute("open", re.compile(".*"))
    expect(women).to_be_hidden()
    expect(summary).to_have_text("Filtrar")
    assert no_horizontal_scroll(page)

    summary.tap()
    expect(women).to_be_visible()
    assert no_horizontal_scroll(page)

    # Taps only tick: the panel stays open for more, its button to apply always in sight.
    url = page.url
    page.locator("label", has=women).tap()
    groups = panel.locator("fieldset.facet", has=women).locator("> ul > li > label")
    other = next(i for i, text in enumerate(groups.all_inner_texts()) if "Mujeres" not in text)
    groups.nth(other).tap()
    expect(women).to_be_checked()
    assert page.url == url
    expect(apply).to_be_in_viewport()
    with page.expect_navigation():
        apply.tap()
    assert "grupo=mujeres" in page.url
    assert 0 < result_count(page) <= everything
    chips = page.get_by_role("list", name="Filtros activos")
    expect(chips).to_contain_text("Mujeres")
    expect(chips.get_by_role("button")).to_have_count(2)
    expect(page.locator(".results .card").first).to_be_visible()
    expect(panel).to_have_js_property("open", False)
    expect(summary).to_have_text("Filtrar (2 filtros activos)")
    assert no_horizontal_scroll(page)

    # Opened again, it shows the options ticked, and closes.
    summary.tap()
    expect(women).to_be_checked()
    summary.tap()
    expect(women).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_on_a_wide_screen_the_filters_show_without_a_click_and_a_click_applies(site, browser):
    page = site.open(browser)
    page.goto(site.paths["catalogue"])
    expect(page.locator("details.filter-panel > summary")).to_be_hidden()
    women = page.get_by_role("checkbox", name=re.compile("^Mujeres"))
    expect(women).to_be_visible()
    with page.expect_navigation():
        women.click()
    assert "grupo=mujeres" in page.url
