"""What every test shares.

The shipped knowledge base is loaded once, into the test database, when the run creates
it; every test runs in a transaction that is rolled back after it, so each sees the
knowledge base as shipped. pytest-django runs the transactional tests (whose database is
flushed after each) after all the others; those that need the knowledge base ask for the
`knowledge_base` fixture, which loads it again when an earlier one flushed it.

Markers: `postgresql` and `sqlite` run a test on that database only; browser tests
(`browser`) run on SQLite only and the generated-input tests (`hypothesis`) on
PostgreSQL only, since they test the pages and the input handling rather than the
database, and the suite runs on both. So do the admin's roles and lockouts and
gunicorn's handling of clients (SQLite), and the admin's generated text and every app's
migration to zero and back (PostgreSQL; each file says why that database): the two
suites run at once in CI, one per core, and each of these costs half a minute or more.
"""

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils import translation

from core.knowledge_base import empty_knowledge_base
from core.search import engine
from practices.models import ThematicArea

# Markers that choose the database a test runs on, and the vendor each one asks for.
VENDOR_MARKERS = {"postgresql": "postgresql", "sqlite": "sqlite"}
# Whole kinds of tests that run on one database only (see the docstring).
ONE_DATABASE = {"browser": "sqlite", "hypothesis": "postgresql"}


def pytest_report_header(config):
    from tests.browser.conftest import CHROMIUM, HAS_CHROMIUM

    browser = (
        f"browser tests: Chromium at {CHROMIUM}"
        if HAS_CHROMIUM
        else "browser tests: SKIPPED, Chromium not installed (apt-get install chromium)"
    )
    return [f"database: {connection.vendor} ({connection.settings_dict['NAME']})", browser]


# Last, so that the `hypothesis` marker its plugin adds is there.
@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    for item in items:
        wanted = {VENDOR_MARKERS[name] for name in VENDOR_MARKERS if name in item.keywords}
        wanted |= {vendor for kind, vendor in ONE_DATABASE.items() if kind in item.keywords}
        if wanted and connection.vendor not in wanted:
            reason = f"runs on {' and '.join(sorted(wanted))} only"
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, with the shipped knowledge base loaded as `make run` loads it;
    returns the search snapshot of the knowledge base as shipped, built once."""
    with django_db_blocker.unblock():
        call_command("load_knowledge_base", verbosity=0)
        return engine.snapshot()


@pytest.fixture(scope="session", autouse=True)
def collected_static_files(tmp_path_factory):
    """Pages render through the production static storage (hashed, compressed names),
    so a template naming a missing file fails here as it would in production."""
    with override_settings(STATIC_ROOT=tmp_path_factory.mktemp("static")):
        call_command("collectstatic", interactive=False, verbosity=0)
        yield


@pytest.fixture(scope="session", autouse=True)
def memory_cache():
    """Each test run keeps cached pages in its own memory: two runs at once (SQLite and
    PostgreSQL in CI) must not share production's file cache under var/."""
    memory = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    with override_settings(CACHES=memory):
        yield


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing():
    """Tests check who may do what, not how passwords are stored: production's hasher
    takes about half a second a password on purpose, and a test that makes a user (every
    one using `admin_client`) would pay it."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
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


@pytest.fixture(autouse=True)
def api_rate_unlimited(settings):
    """Every test's requests come from one address: the API's per-client limit would
    count them all. tests/test_api.py sets it low where it tests it."""
    settings.API_RATE = "1000000/min"


@pytest.fixture(autouse=True)
def spanish_addresses():
    """Addresses a test builds (reverse, get_absolute_url) are the Spanish ones, whatever
    language the previous request of the thread (an English page) left active."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


# What a test asks for when it reads or writes the database.
DATABASE_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "live_server"}


@pytest.fixture(autouse=True)
def fresh_search_index(request, monkeypatch):
    """Each test of the database starts from the search snapshot of the knowledge base as
    shipped, built once for the run, not from an earlier test's (whose changes were rolled
    back). A change that moves the revision gets its own snapshot, as in production; a
    test that changes records behind the revision's back (queryset.update()) and then
    searches calls `engine.forget()`. A test without the database asks for nothing: when
    no test of the run uses it, pytest-django makes no test database, and the knowledge
    base would be loaded into the one the settings name."""
    uses_database = request.node.get_closest_marker("django_db") or (
        DATABASE_FIXTURES & set(request.fixturenames)
    )
    if uses_database:
        monkeypatch.setattr(engine, "_current", request.getfixturevalue("django_db_setup"))


@pytest.fixture
def knowledge_base(db):
    """The shipped knowledge base: there already, unless an earlier transactional test
    flushed the database."""
    if not ThematicArea.objects.exists():
        call_command("load_knowledge_base", verbosity=0)


@pytest.fixture
def empty_database(db):
    """A database without the knowledge base (within this test's transaction)."""
    empty_knowledge_base()
