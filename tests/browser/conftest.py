import os
import shutil

import pytest

from tests.browser.served_site import Tabs, served_knowledge_base

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
HAS_CHROMIUM = os.path.exists(CHROMIUM)


def pytest_collection_modifyitems(items):
    skip = pytest.mark.skip(
        reason="Debian's Chromium is not installed (apt-get install chromium): "
        "browser tests skipped"
    )
    for item in items:
        if "browser" in item.keywords and not HAS_CHROMIUM:
            item.add_marker(skip)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; the ORM calls the
    # test makes around it are still plain synchronous calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=[
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                ],
            )
            yield chromium
            chromium.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    """The live server serves static files from the apps' folders, by their plain names
    (the hashed names of the production storage exist only after collectstatic)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


# The knowledge base served to Chromium, loaded once per module (tests/browser/served_site.py).
@pytest.fixture(scope="module")
def site(browser, django_db_setup, django_db_blocker):
    # Depends on `browser` so that it is torn down (and flushes the database) while
    # Playwright's fixture still allows the ORM next to its event loop.
    with served_knowledge_base(django_db_blocker) as site:
        yield site


@pytest.fixture(scope="module")
def tabs(site, browser):
    tabs = Tabs(site, browser)
    yield tabs
    tabs.close()
