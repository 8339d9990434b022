"""Screenshots of the main pages at desktop and phone widths, for the README and for
reviewing the design: `make screenshots` writes them to docs/screenshots/ (SCREENSHOT_DIR);
a plain test run writes them to a temporary directory, leaving the working tree clean.
Each one is also checked: the page's heading is on screen and nothing spills sideways."""

import os
import struct
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.served_site import DESKTOP, PHONE

# Each test reads the knowledge base the module loads once (see served_site.py): it runs
# inside a transaction of its own, and the module's records stay committed around it.
pytestmark = [pytest.mark.browser, pytest.mark.django_db]

PAGES = (
    "home",
    "area",
    "catalogue-filtered",
    "instrument",
    "search",
    "timeline",
    "compact-matrix",
    "compact-objective",
    "admin-change-form",
)
# The same pages at their English addresses.
ENGLISH_PAGES = ("home", "instrument")
VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}


@pytest.fixture
def screenshot_dir(tmp_path):
    if os.environ.get("SCREENSHOT_DIR"):
        directory = Path(os.environ["SCREENSHOT_DIR"])
        directory.mkdir(parents=True, exist_ok=True)
        return directory
    return tmp_path


def png_size(path):
    """Width and height from a PNG's header."""
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", path
    return struct.unpack(">II", header[16:24])


@pytest.mark.parametrize("width", VIEWPORTS)
@pytest.mark.parametrize("name", PAGES)
def test_screenshot(site, tabs, screenshot_dir, name, width):
    page = tabs(viewport=VIEWPORTS[width], editor=name.startswith("admin"))
    assert page.goto(site.paths[name]).status == 200
    check_and_save(page, screenshot_dir, name, width)


@pytest.mark.parametrize("width", VIEWPORTS)
@pytest.mark.parametrize("name", ENGLISH_PAGES)
def test_english_screenshot(site, tabs, screenshot_dir, name, width):
    page = tabs(viewport=VIEWPORTS[width], locale="en")
    assert page.goto(f"/en{site.paths[name]}").status == 200
    assert page.locator("html").get_attribute("lang") == "en"
    check_and_save(page, screenshot_dir, f"{name}-en", width)


def test_phone_filter_panel_screenshot(site, tabs, screenshot_dir):
    """The phone's filter panel, opened by its «Filtrar (N)» button."""
    page = tabs(viewport=PHONE)
    assert page.goto(site.paths["catalogue-filtered"]).status == 200
    page.locator("details.filter-panel > summary").click()
    expect(page.locator(".filter-fields")).to_be_visible()
    check_and_save(page, screenshot_dir, "catalogue-filters-open", "phone")


def check_and_save(page, screenshot_dir, name, width):
    viewport = VIEWPORTS[width]

    heading = page.locator("h1")
    expect(heading).to_be_visible()
    expect(heading).to_be_in_viewport()
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    if width == "phone":
        assert scroll_width <= PHONE["width"], f"{name} is {scroll_width} px wide on a phone"
    elif not name.startswith("admin"):
        # Django's change form is wider than a laptop screen (its inline tables); the
        # public pages are not.
        assert scroll_width <= DESKTOP["width"], f"{name} is {scroll_width} px wide"

    path = screenshot_dir / f"{name}-{width}.png"
    page.screenshot(path=path, animations="disabled")
    assert png_size(path) == (viewport["width"], viewport["height"])
