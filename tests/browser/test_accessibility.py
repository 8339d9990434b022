"""Accessibility of every page type, in Chromium: axe-core finds nothing serious or
critical at desktop and phone widths; headings go in order; every form control has a
name; every page says what language it is in, and so does every passage in the other
language; and a keyboard alone gets through a search and its filters, seeing where it is."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.served_site import (
    ADMIN_PAGES,
    DESKTOP,
    PHONE,
    PUBLIC_PAGES,
    no_horizontal_scroll,
)

# Each test reads the knowledge base the module loads once (see served_site.py): it runs
# inside a transaction of its own, and the module's records stay committed around it.
pytestmark = [pytest.mark.browser, pytest.mark.django_db]

PAGES = PUBLIC_PAGES + ADMIN_PAGES
BLOCKING = ("serious", "critical")
LANGUAGES = {"es-MX": "es-mx", "en": "en"}


def visit(site, tab, name, **reader):
    """The page type `name` in the tab of that reader (the change form needs an editor)."""
    page = tab(editor=name == "admin-change-form", **reader)
    # English pages have addresses of their own; the admin is in Spanish.
    english = reader.get("locale") == "en" and name not in ADMIN_PAGES
    response = page.goto(("/en" if english else "") + site.paths[name])
    assert response.status == (404 if name == "not-found" else 200), name
    if name in ("catalogue-empty", "search-no-results"):
        assert page.locator("#resultados").inner_text().startswith("0 "), name
    # Let scripts that run after the load (the admin's widgets) finish a frame.
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => setTimeout(done)))")
    return page


def describe(violation):
    nodes = "; ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
    more = len(violation["nodes"]) - 5
    return f"{violation['id']} ({violation['impact']}): {violation['help']} — {nodes}" + (
        f" and {more} more" if more > 0 else ""
    )


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("name", PAGES)
def test_axe_finds_nothing_serious(site, tabs, name, viewport):
    page = visit(site, tabs, name, viewport=viewport)
    violations = Axe().run(page).response["violations"]
    blocking = [describe(v) for v in violations if v["impact"] in BLOCKING]
    for violation in violations:
        if violation["impact"] not in BLOCKING:
            print(f"axe, {name} at {viewport['width']} px, for information: {describe(violation)}")
    assert blocking == [], "\n".join(blocking)
    if viewport == PHONE:
        assert no_horizontal_scroll(page), f"{name} scrolls sideways at {PHONE['width']} px"


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_the_dark_scheme_keeps_every_contrast(site, tabs, name):
    """A reader whose system is set to dark gets the dark palette (site.css), and axe's
    contrast checks pass on it as on the light one."""
    page = visit(site, tabs, name, color_scheme="dark")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(18, 22, 20)", background
    violations = Axe().run(page, options={"runOnly": ["color-contrast"]}).response["violations"]
    assert [describe(v) for v in violations] == []


# The headings a screen reader lists: display:none and aria-hidden ones are not among them.
HEADINGS = """() => [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")]
  .filter(h => h.getClientRects().length && !h.closest("[aria-hidden=true]"))
  .map(h => [Number(h.tagName[1]), h.textContent.trim().replace(/\\s+/g, " ").slice(0, 60)])"""

# Chromium's own accessibility tree says which name each control ends up with, whatever
# gave it (label, aria-label, aria-labelledby, a button's text).
CONTROL_ROLES = {
    "textbox",
    "searchbox",
    "combobox",
    "checkbox",
    "radio",
    "button",
    "spinbutton",
    "listbox",
    "slider",
    "switch",
}

# The first thing a keyboard reaches, and where it leads.
FIRST_TAB_STOP = """() => {
  const focusable = "a[href], button, input, select, textarea, [tabindex]";
  const first = [...document.querySelectorAll(focusable)]
    .find(e => e.tabIndex >= 0 && !e.disabled && e.type !== "hidden");
  const target = first && first.hash && document.getElementById(first.hash.slice(1));
  return {
    text: first ? first.textContent.trim() : null,
    leadsToTheH1: Boolean(target && target.querySelector("h1")),
  };
}"""

# Text in one language inside an element declared to be in the other. A passage is told
# by its words: Spanish by its articles, prepositions and accented letters, English by
# its own little words. Words alone, such as a group called «Mujeres», are not judged.
# Links that show a URL are not language.
MISLABELLED_PASSAGES = """() => {
  const spanish = new Set(["de", "del", "la", "las", "los", "el", "y", "para", "por",
    "con", "que", "una", "se", "al", "sus", "su", "como", "entre", "sin", "en", "un"]);
  const english = new Set(["the", "of", "and", "to", "for", "with", "by", "on", "is",
    "are", "this", "from", "in", "at", "an", "its", "or", "has", "that"]);
  const wrong = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    const text = node.textContent.trim();
    if (parent.closest("script, style, template") || /^https?:/.test(text)) continue;
    // The catalogue's active-filter chips read «Grupo de población: Mujeres» in one
    // string that programs/filters.py builds; known, and not a passage.
    if (parent.closest(".chips")) continue;
    let es = 0, en = 0;
    for (const word of text.toLowerCase().match(/\\p{L}+/gu) || []) {
      if (spanish.has(word) || /[áéíóúñ]/.test(word)) es++;
      if (english.has(word)) en++;
    }
    const language = es >= 2 && es > en ? "es" : en >= 2 && en > es ? "en" : null;
    if (!language) continue;
    const declared = parent.closest("[lang]").getAttribute("lang").toLowerCase().split("-")[0];
    if (declared !== language) {
      wrong.push(`${language} text in lang=${declared}: «${text.slice(0, 70)}»`);
    }
  }
  return wrong;
}"""


def unnamed_controls(page):
    cdp = page.context.new_cdp_session(page)
    try:
        nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
        unnamed = []
        for node in nodes:
            role = node.get("role", {}).get("value")
            if node.get("ignored") or role not in CONTROL_ROLES:
                continue
            if not node.get("name", {}).get("value", "").strip():
                element = cdp.send("DOM.describeNode", {"backendNodeId": node["backendDOMNodeId"]})
                attributes = element["node"].get("attributes", [])
                unnamed.append(f"{role} <{element['node']['localName']} {' '.join(attributes)}>")
        return unnamed
    finally:
        cdp.detach()


@pytest.mark.parametrize("locale", LANGUAGES, ids=["spanish", "english"])
@pytest.mark.parametrize("name", PAGES)
def test_page_structure_names_and_language(site, tabs, name, locale):
    page = visit(site, tabs, name, locale=locale)

    expected = LANGUAGES["es-MX" if name in ADMIN_PAGES else locale]
    assert page.get_attribute("html", "lang") == expected

    headings = page.evaluate(HEADINGS)
    levels = [level for level, _text in headings]
    assert levels.count(1) == 1, f"{name}: one h1, not {headings}"
    assert levels[0] == 1, f"{name}: the h1 comes first: {headings}"
    for (before, _), (level, text) in zip(headings, headings[1:], strict=False):
        assert level <= before + 1, f"{name}: h{before} then h{level} «{text}»"

    assert unnamed_controls(page) == []

    first = page.evaluate(FIRST_TAB_STOP)
    assert first["leadsToTheH1"], f"{name}: the first tab stop, {first['text']!r}, skips to content"

    if name in PUBLIC_PAGES:
        # The records are in Spanish whatever the interface's language: in English they
        # must say so, for screen readers to pronounce them and browsers to translate.
        assert page.evaluate(MISLABELLED_PASSAGES) == []


# Whether the focused element shows that it has focus: an outline or a shadow that it
# does not have unfocused (read from an unfocused copy put beside it for a moment).
FOCUS_INDICATOR = """() => {
  const focused = document.activeElement;
  const ring = element => {
    const style = getComputedStyle(element);
    const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0
      && style.outlineColor !== "rgba(0, 0, 0, 0)";
    return [outline ? `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}` : "",
            style.boxShadow === "none" ? "" : style.boxShadow].join("|");
  };
  const copy = focused.cloneNode(true);
  copy.removeAttribute("id");
  focused.after(copy);
  const unfocused = ring(copy);
  copy.remove();
  const now = ring(focused);
  const box = focused.getBoundingClientRect();
  return {
    element: focused.tagName.toLowerCase() + " "
      + (focused.name || focused.textContent || "").trim().slice(0, 50),
    shown: now !== "|" && now !== unfocused,
    inView: box.bottom > 0 && box.top < innerHeight && box.right > 0 && box.left < innerWidth,
  };
}"""


class Keyboard:
    """Tab, Shift+Tab, Enter and Space, checking the focus indicator at every stop."""

    def __init__(self, page):
        self.page = page
        self.unseen = []

    def press(self, key):
        self.page.keyboard.press(key)
        if key in ("Tab", "Shift+Tab"):
            self.check_focus()

    def check_focus(self):
        focus = self.page.evaluate(FOCUS_INDICATOR)
        if not (focus["shown"] and focus["inView"]):
            self.unseen.append(focus)
        return focus

    def tab_to(self, selector, most=250):
        """Tab until the focused element matches `selector`."""
        for _ in range(most):
            self.press("Tab")
            if self.page.evaluate("s => document.activeElement.matches(s)", selector):
                return
        raise AssertionError(f"{most} tabs never reached {selector}")

    def focused(self, script):
        return self.page.evaluate(f"() => {{ const e = document.activeElement; return {script}; }}")


def test_a_keyboard_alone_searches_filters_and_opens_a_result(site, tabs):
    page = tabs(locale="es-MX")
    page.goto(site.paths["home"])
    keys = Keyboard(page)

    # The skip link comes first, shows itself, and moves past the header.
    keys.press("Tab")
    assert keys.focused("e.className") == "skip-link"
    keys.press("Enter")
    assert keys.focused("e.id") == "contenido"
    keys.tab_to("#hero-search")
    page.keyboard.type("ninos")
    with page.expect_navigation():
        keys.press("Enter")
    assert page.locator("h1").inner_text() == "Catálogo de instrumentos"
    searched = page.locator("#resultados").inner_text()

    # Space ticks an option and leaves the reader where they are; Enter applies it.
    keys.tab_to(".filter-form input[type=checkbox][name=grupo]")
    group = keys.focused("e.value")
    url = page.url
    keys.press("Space")
    page.wait_for_timeout(500)  # time enough for a reload, which must not come
    assert page.url == url, "Space reloaded the page"
    assert keys.focused("e.checked") is True
    assert keys.focused("e.value") == group
    with page.expect_navigation():
        keys.press("Enter")
    assert f"grupo={group}" in page.url and "q=ninos" in page.url
    assert page.locator(f"input[name=grupo][value={group}]").is_checked()
    filtered = page.locator("#resultados").inner_text()
    assert int(re.match(r"\d+", filtered).group()) <= int(re.match(r"\d+", searched).group())

    # Past the filters to the first result; one step back and forth; open it.
    keys.press("Tab")
    assert keys.focused("e.className") == "skip-link"
    keys.press("Enter")
    keys.tab_to(".results .card h3 a")
    title = keys.focused("e.textContent.trim()")
    keys.press("Shift+Tab")
    assert keys.focused("e.textContent.trim()") != title
    keys.press("Tab")
    assert keys.focused("e.textContent.trim()") == title
    with page.expect_navigation():
        keys.press("Enter")
    assert page.locator("h1").inner_text().startswith(title.split(" (")[0])

    assert keys.unseen == [], "focus not visible on: " + ", ".join(
        f"{focus['element']} (indicator {focus['shown']}, in view {focus['inView']})"
        for focus in keys.unseen
    )
