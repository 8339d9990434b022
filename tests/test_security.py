"""What production promises about transport, headers, cookies, errors and logs.

Tests run with DJANGO_DEBUG unset, i.e. with the production settings; tests/conftest.py
turns the https redirect off, and the tests here that check it turn it back on.
"""

import copy
import io
import json
import logging
import logging.config
import os
import re
import secrets
import subprocess
import sys
import uuid
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import OperationalError, connection
from django.templatetags.static import static
from django.test import Client, override_settings
from django.urls import path

from config import urls as site_urls

ROOT = Path(__file__).resolve().parent.parent
ADMIN_LOGIN = f"/{settings.ADMIN_PATH}/login/"
ONE_YEAR = 365 * 24 * 60 * 60
PASSWORD = "una-clave-larga-para-pruebas"


# A URLconf for the 500 tests: the site's own URLs plus a view that fails the way a bug
# would, with an exception whose message carries everything a stack trace could leak.
LEAKY_MESSAGE = (
    "boom: SELECT password FROM auth_user WHERE username = 'admin' "
    "in /srv/buenas_practicas/config/settings.py"
)


def failing_view(request):
    raise RuntimeError(f"{LEAKY_MESSAGE} with key {settings.SECRET_KEY}")


# The site's own patterns, not include()d: they hold i18n_patterns, which only a root
# URLconf may.
urlpatterns = [path("pruebas/falla/", failing_view), *site_urls.urlpatterns]


def manage(*args, **env):
    """Run manage.py in a fresh process with only `env` as the DJANGO_* environment."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


# 1. Deployment checks ----------------------------------------------------------------


def test_production_settings_pass_the_deployment_checks():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def serve_recipe():
    """The commands `make serve` runs, in order (make -n prints them without running)."""
    clean = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    result = subprocess.run(
        ["make", "-n", "serve"], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_make_serve_stops_on_any_deployment_warning():
    recipe = serve_recipe()
    (check,) = [n for n, line in enumerate(recipe) if " manage.py check" in line]
    later = [n for n, line in enumerate(recipe) if " manage.py " in line or "gunicorn" in line]
    assert later[0] == check, "the deployment check runs before anything else"

    # A weak secret key is a warning (security.W009), which must stop make.
    result = subprocess.run(
        recipe[check],
        shell=True,  # noqa: S602 - the Makefile's own command line
        cwd=ROOT,
        env={
            **{key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")},
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": "demasiado-corta",
            "DJANGO_ALLOWED_HOSTS": "example.org",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0, result.stdout
    assert "security.W009" in result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", DJANGO_DEBUG="false")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off" in result.stderr


# 2. Headers on every kind of response -------------------------------------------------


def public_page(client, **extra):
    return client.get("/", **extra)


def not_found(client, **extra):
    return client.get("/no-existe/", **extra)


@override_settings(ROOT_URLCONF=__name__)
def server_error(client, **extra):
    client.raise_request_exception = False
    return client.get("/pruebas/falla/", **extra)


def static_file(client, **extra):
    # Served by whitenoise from the collected, hashed files (tests/conftest.py).
    return client.get(static("css/site.css"), **extra)


def admin_login(client, **extra):
    return client.get(ADMIN_LOGIN, **extra)


def health(client, **extra):
    return client.get("/healthz", **extra)


def append_slash_redirect(client, **extra):
    return client.get("/grupos", **extra)


@override_settings(SECURE_SSL_REDIRECT=True)
def https_redirect(client, **extra):
    # SecurityMiddleware reads the setting when the client's first request loads it.
    return client.get("/grupos/", **extra)


RESPONSES = {
    "public page": (public_page, 200),
    "404": (not_found, 404),
    "500": (server_error, 500),
    "static file": (static_file, 200),
    "admin login": (admin_login, 200),
    "healthz": (health, 200),
    "append-slash redirect": (append_slash_redirect, 301),
    "https redirect": (https_redirect, 301),
}
# Over https there is nothing to redirect to https.
HTTPS_RESPONSES = [name for name in RESPONSES if name != "https redirect"]


def csp_directives(policy):
    """A Content-Security-Policy header as {directive: [sources]}."""
    directives = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def check_csp(policy):
    directives = csp_directives(policy)
    return (
        "'unsafe-inline'" not in policy
        and "'unsafe-eval'" not in policy
        and directives.get("default-src") == ["'none'"]
        and directives.get("frame-ancestors") == ["'none'"]
    )


HEADERS = {
    "Content-Security-Policy": check_csp,
    "X-Content-Type-Options": lambda value: value == "nosniff",
    "Referrer-Policy": lambda value: value == "same-origin",
    "X-Frame-Options": lambda value: value == "DENY",
    "Cross-Origin-Opener-Policy": lambda value: value == "same-origin",
    "X-Request-ID": lambda value: bool(uuid.UUID(value)),
}


def fetch(client, name, **extra):
    get, status = RESPONSES[name]
    response = get(client, **extra)
    assert response.status_code == status
    return response


def wrong_headers(response, headers):
    """Those of `headers` the response lacks or gets wrong, with the value it has."""
    wrong = {}
    for header in headers:
        value = response.headers.get(header)
        if not (value and HEADERS[header](value)):
            wrong[header] = value
    return wrong


@pytest.mark.parametrize("name", RESPONSES)
def test_every_kind_of_response_carries_the_protective_headers(db, client, name):
    assert wrong_headers(fetch(client, name), HEADERS) == {}


@pytest.mark.parametrize("name", HTTPS_RESPONSES)
def test_https_responses_carry_the_protective_headers_too(db, client, name):
    assert wrong_headers(fetch(client, name, secure=True), HEADERS) == {}


def hsts(response):
    header = response.headers["Strict-Transport-Security"]
    max_age = int(re.search(r"max-age=(\d+)", header).group(1))
    return max_age, {part.strip() for part in header.split(";")}


@pytest.mark.parametrize("name", HTTPS_RESPONSES)
@pytest.mark.parametrize(
    "https", [{"secure": True}, {"HTTP_X_FORWARDED_PROTO": "https"}], ids=["tls", "proxy"]
)
def test_https_responses_ask_browsers_to_stay_on_https(db, client, name, https):
    max_age, directives = hsts(fetch(client, name, **https))
    assert max_age >= ONE_YEAR
    assert "includeSubDomains" in directives


@pytest.mark.parametrize("name", RESPONSES)
def test_plain_http_responses_carry_no_hsts(db, client, name):
    # Browsers ignore HSTS over plain http, and a proxy could have added it: only the
    # answer to a request that came over https may carry it.
    assert "Strict-Transport-Security" not in fetch(client, name).headers


@pytest.mark.parametrize("name", RESPONSES)
def test_every_response_has_its_own_request_id(db, client, name):
    first, second = fetch(client, name), fetch(client, name)
    assert uuid.UUID(first["X-Request-ID"]) != uuid.UUID(second["X-Request-ID"])


def test_a_valid_incoming_request_id_is_kept(db, client):
    # The proxy's id, so that its access log and ours can be joined.
    request_id = uuid.uuid4().hex
    response = client.get("/healthz", HTTP_X_REQUEST_ID=request_id)
    assert response["X-Request-ID"] == request_id


@pytest.mark.parametrize("given", ["<script>alert(1)</script>", "no-es-un-id", "1; DROP TABLE"])
def test_an_invalid_incoming_request_id_is_replaced(db, client, given):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=given)
    assert response["X-Request-ID"] != given
    assert uuid.UUID(response["X-Request-ID"])
    assert given not in response.content.decode()


# 3. https redirect -------------------------------------------------------------------


@pytest.fixture
def ssl_redirect(settings):
    settings.SECURE_SSL_REDIRECT = True


def test_plain_http_is_redirected_to_https(db, client, ssl_redirect):
    response = client.get("/grupos/?pagina=1")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/grupos/?pagina=1"


def test_a_request_the_proxy_received_over_https_is_served(db, client, ssl_redirect):
    response = client.get("/grupos/", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200


def test_the_health_check_is_answered_over_plain_http(db, client, ssl_redirect):
    # Load balancers probe from inside the network, without TLS.
    assert client.get("/").status_code == 301
    assert client.get("/healthz").status_code == 200


# 4. Cookies --------------------------------------------------------------------------


def assert_locked_down(cookie):
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_admin_login_cookies_are_secure_http_only_and_same_site(db):
    User.objects.create_superuser("admin", "admin@example.org", PASSWORD)
    # django-axes watches the login form, so log in through it as a browser would.
    client = Client(enforce_csrf_checks=True)
    form = client.get(ADMIN_LOGIN, secure=True)
    assert_locked_down(form.cookies["csrftoken"])
    response = client.post(
        ADMIN_LOGIN,
        {
            "username": "admin",
            "password": PASSWORD,
            "next": f"/{settings.ADMIN_PATH}/",
            "csrfmiddlewaretoken": form.context["csrf_token"],
        },
        secure=True,
        # Over https Django's CSRF check wants a same-origin Referer, as browsers send.
        HTTP_REFERER=f"https://testserver{ADMIN_LOGIN}",
    )
    assert response.status_code == 302, response.content.decode()
    assert response["Location"] == f"/{settings.ADMIN_PATH}/"
    assert_locked_down(response.cookies["sessionid"])
    # Logging in rotates the CSRF token: the new cookie is as locked down as the first.
    assert_locked_down(response.cookies["csrftoken"])


def test_the_language_cookie_is_secure_http_only_and_same_site(db, client):
    response = client.post(
        "/i18n/setlang/",
        "language=en&next=/grupos/",
        content_type="application/x-www-form-urlencoded",
        secure=True,
    )
    assert response.status_code == 302
    assert_locked_down(response.cookies[settings.LANGUAGE_COOKIE_NAME])


# 4b. Request bodies ------------------------------------------------------------------


@pytest.fixture
def temporary_files(monkeypatch):
    """Every upload Django writes to a temporary file, as (name, size) once written."""
    from django.core.files import uploadedfile

    written = []
    original = uploadedfile.TemporaryUploadedFile.__init__

    def recording(self, name, content_type, size, charset, content_type_extra=None):
        original(self, name, content_type, size, charset, content_type_extra)
        written.append(name)

    monkeypatch.setattr(uploadedfile.TemporaryUploadedFile, "__init__", recording)
    return written


def upload(size):
    """A multipart body with one file of `size` bytes, as a script would post it."""
    file = io.BytesIO(b"x" * size)
    file.name = "grande.bin"
    return {"language": "en", "next": "/", "archivo": file}


def test_the_language_switch_refuses_multipart_without_reading_it(db, client, temporary_files):
    response = client.post("/i18n/setlang/", upload(1000))
    assert response.status_code == 415
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert temporary_files == []
    assert wrong_headers(response, HEADERS) == {}


def test_the_language_switch_refuses_a_long_body(db, client):
    body = "language=en&next=/&relleno=" + "x" * 20_000
    response = client.post("/i18n/setlang/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


@pytest.mark.parametrize("url", ["/", "/instrumentos/", ADMIN_LOGIN, "/i18n/setlang/"])
def test_no_upload_is_ever_written_to_disk(db, settings, url, temporary_files):
    # Django keeps an upload in memory up to this size, and writes a larger one to disk.
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    # The site has no file field: an upload anywhere is read and dropped, never stored.
    # With the CSRF check on, as in production: given any token cookie, it reads the
    # body for the form's token before refusing the request.
    client = Client(enforce_csrf_checks=True)
    client.cookies["csrftoken"] = "a" * 32
    client.post(url, upload(100_000))
    assert temporary_files == []


@pytest.mark.parametrize("url", ["/", "/instrumentos/", ADMIN_LOGIN])
def test_a_body_past_the_limit_is_refused_before_it_is_read(db, url):
    size = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1
    response = Client().post(url, {"archivo": io.BytesIO(b"x" * size)})
    assert response.status_code == 413
    assert wrong_headers(response, HEADERS) == {}


def test_the_admin_login_takes_only_a_short_form(db):
    response = Client().post(ADMIN_LOGIN, {"username": "x" * 10_000, "password": "y"})
    assert response.status_code == 413


# 5. Host header ----------------------------------------------------------------------


@pytest.mark.parametrize("host", ["evil.example", "evil.example<script>alert(1)</script>"])
def test_an_unknown_host_is_refused_without_echoing_it(db, client, host):
    response = client.get("/", HTTP_HOST=host)
    assert response.status_code == 400
    body = response.content.decode()
    assert "evil.example" not in body
    assert "<script>" not in body


# 6. Health check ---------------------------------------------------------------------


def test_health_check_reports_a_working_database(db, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json()["status"] == "ok"
    assert_not_cached(response)


def assert_not_cached(response):
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-cache", "no-store"} <= directives


def test_health_check_reports_a_failing_database_without_details(db, client):
    secret = "password=hunter2-s3cr3t"
    error = OperationalError(f'connection to server at "10.0.0.5" failed: {secret}')
    with mock.patch.object(connection, "cursor", side_effect=error):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert_not_cached(response)
    body = response.content.decode()
    assert response.json()["status"] != "ok"
    for leak in ("hunter2", "10.0.0.5", "OperationalError", "Traceback", "connection to server"):
        assert leak not in body


# 7. Error pages ----------------------------------------------------------------------

# What Django's debug pages show, and what must never reach a visitor.
DEBUG_PAGE_MARKERS = [
    "Traceback",
    "Using the URLconf",
    "urlpatterns",
    "config.urls",
    "DJANGO_SETTINGS_MODULE",
    "You’re seeing this error because you have",
    "DEBUG = True",
    "SECRET_KEY",
]


def assert_leaks_nothing(body):
    for marker in DEBUG_PAGE_MARKERS:
        assert marker not in body
    assert str(ROOT) not in body
    assert sys.prefix not in body


@pytest.mark.parametrize("url", ["/no-existe/", "/instrumentos/no-existe/"])
def test_a_missing_page_is_the_designed_404(db, client, url):
    response = client.get(url)
    assert response.status_code == 404
    body = response.content.decode()
    assert "No encontramos esta página" in body
    assert_leaks_nothing(body)
    # The message of the Http404 a detail view raises names the model.
    assert "matching the query" not in body


SECRET = "una-clave-secreta-que-nunca-debe-verse-" + "x" * 20


@override_settings(ROOT_URLCONF=__name__, SECRET_KEY=SECRET)
def test_an_error_is_the_designed_500_and_leaks_nothing(db):
    client = Client(raise_request_exception=False)
    response = client.get("/pruebas/falla/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Algo salió mal de nuestro lado" in body
    assert_leaks_nothing(body)
    for leak in (SECRET, "RuntimeError", "boom", "SELECT", "auth_user", "/srv/", __file__):
        assert leak not in body


# 8. Structured logs ------------------------------------------------------------------


@pytest.fixture
def json_log():
    """Log lines of the request logger and django.request, formatted by the formatter and
    filter settings.LOGGING configures, one string per line."""
    configurator = logging.config.DictConfigurator(copy.deepcopy(settings.LOGGING))
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        configurator.configure_formatter(configurator.config["formatters"]["json"])
    )
    handler.addFilter(configurator.configure_filter(configurator.config["filters"]["request_id"]))
    loggers = [logging.getLogger(name) for name in ("buenas_practicas.requests", "django.request")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


def test_each_request_is_one_json_line_with_its_request_id(db, client, json_log):
    response = client.get("/grupos/")
    lines = [line for line in json_log() if line["logger"] == "buenas_practicas.requests"]
    assert len(lines) == 1
    line = lines[0]
    assert line["method"] == "GET"
    assert line["path"] == "/grupos/"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], int | float) and line["duration_ms"] >= 0
    assert line["level"] == "INFO"
    assert line["request_id"] == response["X-Request-ID"]


@override_settings(ROOT_URLCONF=__name__)
def test_an_unhandled_error_is_logged_with_its_request_id(db, json_log):
    client = Client(raise_request_exception=False)
    response = client.get("/pruebas/falla/")
    assert response.status_code == 500
    lines = json_log()
    errors = [line for line in lines if line["logger"] == "django.request"]
    assert len(errors) == 1
    assert errors[0]["level"] == "ERROR"
    assert errors[0]["request_id"] == response["X-Request-ID"]
    # The log, unlike the page, keeps what the developer needs.
    assert "RuntimeError" in errors[0]["exc_info"]
    access = [line for line in lines if line["logger"] == "buenas_practicas.requests"]
    assert [(line["status"], line["request_id"]) for line in access] == [
        (500, response["X-Request-ID"])
    ]
