"""How long the site waits for its database, and what it answers when the database does
not answer in time: `/healthz` 503 and every page a plain 503 page, logged with the
request id, within five seconds. Commands run through manage.py are never cut short.

tests/test_serving.py checks the same against a real gunicorn: a database that accepts
connections and never answers, and (on SQLite) a database locked by another process.
"""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from unittest import mock

import psycopg
import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.test import Client

from tests.test_security import HEADERS, assert_leaks_nothing, json_log, wrong_headers

__all__ = ["json_log"]  # a fixture, used by name

ROOT = Path(__file__).resolve().parent.parent
# What the site waits for at most, by default (README, Configuration).
CONNECT_TIMEOUT = 3
STATEMENT_TIMEOUT = 4
UNAVAILABLE = "El sitio no está disponible en este momento"


def environment(**env):
    clean = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    return {**clean, "DJANGO_SECRET_KEY": "x", **env}


def shell(code, **env):
    """Run `code` in `manage.py shell`, as a command runs, with `env` as DJANGO_* settings."""
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=ROOT,
        env=environment(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )


# The settings ---------------------------------------------------------------------------


def test_the_timeouts_come_from_the_environment():
    code = (
        "from django.db import connection; options = connection.settings_dict['OPTIONS']; "
        "print(options.get('connect_timeout'), options.get('options'), options.get('timeout'))"
    )
    default, chosen = (
        shell(code),
        shell(code, DJANGO_DB_CONNECT_TIMEOUT="7", DJANGO_DB_STATEMENT_TIMEOUT="2.5"),
    )
    assert default.returncode == chosen.returncode == 0, default.stderr + chosen.stderr
    if connection.vendor == "postgresql":
        assert default.stdout.split()[0] == str(CONNECT_TIMEOUT)
        assert f"statement_timeout={STATEMENT_TIMEOUT * 1000}" in default.stdout
        assert chosen.stdout.split()[0] == "7"
        assert "statement_timeout=2500" in chosen.stdout
    else:
        assert default.stdout.split()[-1] == str(STATEMENT_TIMEOUT)
        assert chosen.stdout.split()[-1] == "2.5"


@pytest.mark.postgresql
def test_the_site_runs_each_statement_under_the_timeout(db):
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == f"{STATEMENT_TIMEOUT}s"


def served_database_url():
    """The test database, as a URL another process can connect to."""
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.postgresql
def test_commands_are_not_cut_short_by_the_statement_timeout(db):
    """Backups, restores, loads and migrations run through manage.py as long as they need:
    a statement five times the site's timeout goes through."""
    code = (
        "from django.db import connection; cursor = connection.cursor(); "
        "cursor.execute('SELECT pg_sleep(1)'); cursor.execute('SHOW statement_timeout'); "
        "print(cursor.fetchone()[0])"
    )
    result = shell(code, DJANGO_DB_STATEMENT_TIMEOUT="0.2", DATABASE_URL=served_database_url())
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0"


# A database that fails --------------------------------------------------------------------


def unavailable(message):
    """Every new cursor fails as a database that cannot be reached fails."""
    return mock.patch.object(connection, "cursor", side_effect=OperationalError(message))


@pytest.mark.parametrize("url", ["/", "/instrumentos/?q=ley", "/grupos/"])
def test_a_page_without_its_database_is_a_plain_503(db, url):
    secret = "password=hunter2-s3cr3t"
    with unavailable(f'connection to server at "10.0.0.5" failed: {secret}'):
        response = Client(raise_request_exception=False).get(url)
    assert response.status_code == 503
    body = response.content.decode()
    assert UNAVAILABLE in body
    assert_leaks_nothing(body)
    for leak in ("hunter2", "10.0.0.5", "OperationalError", "connection to server"):
        assert leak not in body
    assert response["Retry-After"]
    assert wrong_headers(response, HEADERS) == {}


def test_the_503_is_logged_with_its_request_id_and_the_reason(db, json_log):
    with unavailable("canceling statement due to statement timeout"):
        response = Client(raise_request_exception=False).get("/grupos/")
    assert response.status_code == 503
    lines = json_log()
    errors = [line for line in lines if line["logger"] == "django.request"]
    assert [(line["level"], line["request_id"]) for line in errors] == [
        ("ERROR", response["X-Request-ID"])
    ]
    assert "statement timeout" in errors[0]["exc_info"]
    access = [line for line in lines if line["logger"] == "buenas_practicas.requests"]
    assert [(line["status"], line["request_id"]) for line in access] == [
        (503, response["X-Request-ID"])
    ]


def test_other_errors_stay_500(db):
    from django.db import IntegrityError

    with mock.patch.object(connection, "cursor", side_effect=IntegrityError("a bug")):
        response = Client(raise_request_exception=False).get("/grupos/")
    assert response.status_code == 500


# A database that hangs --------------------------------------------------------------------


@pytest.fixture
def table_locked():
    """Another session holds an exclusive lock on the instruments for up to 20 s, as a
    long migration or a stuck transaction would: every query on them waits."""
    db = settings.DATABASES["default"]
    locker = psycopg.connect(
        dbname=connection.settings_dict["NAME"],
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
    )
    locker.execute("LOCK TABLE programs_instrument IN ACCESS EXCLUSIVE MODE")
    # Released in any case, so that the test fails rather than hangs without the timeout.
    release = threading.Timer(20, locker.rollback)
    release.start()
    yield
    release.cancel()
    locker.rollback()
    locker.close()


@pytest.mark.postgresql
def test_a_query_stuck_behind_a_lock_is_cut_and_answered_503_within_five_seconds(db, table_locked):
    started = time.monotonic()
    response = Client(raise_request_exception=False).get("/instrumentos/")
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert UNAVAILABLE in response.content.decode()
    assert STATEMENT_TIMEOUT - 0.5 < elapsed < 5
