import pytest
from django.core.management import call_command
from django.test import override_settings


def pytest_report_header(config):
    from django.db import connection

    from tests.browser.conftest import CHROMIUM, HAS_CHROMIUM

    browser = (
        f"browser tests: Chromium at {CHROMIUM}"
        if HAS_CHROMIUM
        else "browser tests: SKIPPED, Chromium not installed (apt-get install chromium)"
    )
    return [f"database: {connection.vendor} ({connection.settings_dict['NAME']})", browser]


@pytest.fixture(scope="session", autouse=True)
def collected_static_files(tmp_path_factory):
    """Pages render through the production static storage (hashed, compressed names),
    so a template naming a missing file fails here as it would in production."""
    with override_settings(STATIC_ROOT=tmp_path_factory.mktemp("static")):
        call_command("collectstatic", interactive=False, verbosity=0)
        yield


@pytest.fixture(scope="session", autouse=True)
def plain_http():
    """Tests talk to the site directly, not through the TLS proxy production sits behind,
    so plain http is not redirected; tests/test_security.py checks that it is. Session-wide,
    so that the live server of the browser tests starts with it too."""
    with override_settings(SECURE_SSL_REDIRECT=False):
        yield


@pytest.fixture(autouse=True)
def page_cache_off(settings):
    """Tests see each page as rendered now: many change records behind the signals'
    back (queryset.update()), which editors cannot do; tests/test_caching.py turns the
    cache on."""
    settings.PAGE_CACHE_SECONDS = 0


@pytest.fixture
def knowledge_base(db):
    """The shipped fixtures, loaded as `make run` loads them."""
    call_command("load_knowledge_base", verbosity=0)
