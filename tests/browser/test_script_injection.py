"""An editor's <script> never runs in a reader's browser: records whose every text field
holds attacks (tests/test_content_safety.py) are opened, and searched for, in Chromium,
and no dialog opens, no injected code runs, and the Content-Security-Policy never has to
block anything (a violation would mean markup of the site's own broke the policy, or an
attack got through the escaping and only the policy stopped it)."""

import pytest
from django.core.management import call_command

from tests.test_content_safety import MARKER, PAGES, create_records

pytestmark = pytest.mark.browser

# Records every violation the policy reports, before any of the page's own code runs.
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


@pytest.fixture
def records(transactional_db):
    # The attack records alone: when this module runs first, the knowledge base the
    # session loaded is still there (area 1 among it), not yet flushed by a transactional
    # test before this one.
    call_command("flush", interactive=False, verbosity=0)
    return create_records()


@pytest.fixture
def reader(browser):
    """A reader's tab, with what it reports: dialogs opened and console messages."""
    # The site sits behind a TLS proxy that says so in X-Forwarded-Proto; without it the
    # live server (plain http) would redirect to https, which it does not serve.
    context = browser.new_context(locale="es-MX", extra_http_headers={"X-Forwarded-Proto": "https"})
    context.add_init_script(WATCH_CSP)
    page = context.new_page()
    page.dialogs, page.console = [], []

    def on_dialog(dialog):
        page.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("console", lambda message: page.console.append(message.text))
    yield page
    context.close()


def what_ran(page):
    """Dialogs opened, injected code run and policy violations on the page shown, as
    {kind: what}; empty when nothing did."""
    refused = [
        text for text in page.console if "Content Security Policy" in text or "Refused to" in text
    ]
    found = {
        "dialogs": page.dialogs,
        "window.__pwned": page.evaluate("() => window.__pwned"),
        "violations": page.evaluate("() => window.__cspViolations"),
        "console": refused,
    }
    return {kind: value for kind, value in found.items() if value}


def assert_nothing_ran(page):
    assert what_ran(page) == {}


def test_attacks_stay_text_on_every_public_page(live_server, records, reader):
    # One test for every page: the records are written once, and all pages are reported.
    problems = {}
    for name, url in PAGES.items():
        reader.dialogs.clear()
        reader.console.clear()
        response = reader.goto(live_server.url + url(records))
        reader.wait_for_load_state("load")
        if response.status != 200:
            problems[name] = response.status
        elif MARKER not in reader.locator("body").inner_text():
            problems[name] = "the records are not on the page"
        elif found := what_ran(reader):
            problems[name] = found
    assert problems == {}


def test_a_reader_searches_for_the_attack_and_nothing_runs(live_server, records, reader):
    reader.goto(live_server.url + "/")
    reader.fill("#site-search", f"{MARKER} script")
    reader.press("#site-search", "Enter")
    reader.wait_for_url("**/instrumentos/?q=*")
    reader.wait_for_load_state("load")
    # The results mark the words searched for, inside the attack, shown as text.
    marks = reader.locator(".results mark").all_inner_texts()
    assert MARKER in marks and "script" in marks
    title = reader.locator(".results h3").first.inner_text()
    assert '<script>alert("xss")</script>' in title
    assert_nothing_ran(reader)


def test_the_record_page_shows_the_attack_as_text(live_server, records, reader):
    reader.goto(live_server.url + records["instrument"].get_absolute_url())
    heading = reader.locator("h1").inner_text()
    assert '<script>alert("xss")</script>' in heading
    assert "</title><script>window.__pwned=1</script>" in reader.title()
    assert_nothing_ran(reader)
