"""Settings for Buenas Prácticas, read from the environment.

Locally nothing needs setting: the site runs on an SQLite file inside the project.
In production DJANGO_DEBUG is off, and the site refuses to start without
DJANGO_SECRET_KEY.
"""

import os
import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name, default=False):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    value = value.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_seconds(name, default):
    value = os.environ.get(name, "").strip()
    try:
        seconds = float(value) if value else default
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number of seconds, not {value!r}.") from None
    if seconds <= 0:
        raise ImproperlyConfigured(f"{name} must be more than 0 seconds.")
    return seconds


def env_list(name, default):
    value = os.environ.get(name, "")
    items = [item.strip() for item in value.split(",") if item.strip()]
    return items or default


DEBUG = env_flag("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off "
            "(for local work, set DJANGO_DEBUG=true)."
        )
    SECRET_KEY = "insecure-local-development-key"  # noqa: S105 - debug only

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    # Before the admin, whose forms it extends with each language's fields.
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django_filters",
    "simple_history",
    "axes",
    "csp",
    "django_guid",
    "rest_framework",
    "drf_spectacular",
    # The knowledge base: shared machinery, the instruments, the spine over them, and the
    # catalogue across both. Each depends only on those above it.
    "core",
    "programs",
    "practices",
    "compact",
    "catalogue",
    "api",
]

MIDDLEWARE = [
    "django_guid.middleware.guid_middleware",
    "config.middleware.RequestLogMiddleware",
    # Above the middleware that answer on their own (the https redirect, static files), so
    # that those answers carry the policy headers too.
    "csp.middleware.CSPMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages compressed on the way out (whitenoise serves static files precompressed).
    "django.middleware.gzip.GZipMiddleware",
    # Before anything reads a request's body (the CSRF check does, to refuse it).
    "config.middleware.RequestBodyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # A record's old address (before its slug changed) answers 301 to its current one.
    "core.permalinks.OldSlugRedirectMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "core.languages.language_alternates",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "").strip()
        or f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}",
        conn_max_age=60,
        conn_health_checks=True,
    )
}
# How long the site waits for its database: to connect, and for any one statement
# (PostgreSQL cancels it; SQLite, which runs statements in the process, stops waiting
# for a lock another connection holds). A request that runs into either is answered with
# a 503 page (config.errors), well before gunicorn would give up on it. Commands run
# through manage.py lift the statement timeout (config.database): backups, restores,
# loads and migrations take as long as they need.
DATABASE_CONNECT_TIMEOUT = env_seconds("DJANGO_DB_CONNECT_TIMEOUT", 3)
DATABASE_STATEMENT_TIMEOUT = env_seconds("DJANGO_DB_STATEMENT_TIMEOUT", 4)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Facet counts sort a few hundred thousand links: enough memory keeps the sorts off
    # disk, and JIT compilation costs more than it saves on queries this short.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # Whole seconds, 2 at least (libpq rounds anything less up to 2).
            "connect_timeout": max(2, round(DATABASE_CONNECT_TIMEOUT)),
            "options": "-c work_mem=32MB -c jit=off "
            f"-c statement_timeout={round(DATABASE_STATEMENT_TIMEOUT * 1000)}",
        }
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The project keeps its embedded database under var/, created on first use.
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = DATABASE_STATEMENT_TIMEOUT

# Shared by every app server when REDIS_URL is set; otherwise each process keeps its own.
# Either way a page is cached under the knowledge base's revision (core/caching.py),
# so no server ever serves a page older than the last edit.
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
# Without Redis, production keeps pages in files under var/cache, which every worker of
# the machine shares and which outlive a worker's recycling; local development keeps
# them in each process's memory. Entries are bounded by count here and by size below.
PAGE_CACHE_ENTRIES = 500
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
elif DEBUG:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": PAGE_CACHE_ENTRIES},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": BASE_DIR / "var" / "cache",
            "OPTIONS": {"MAX_ENTRIES": PAGE_CACHE_ENTRIES},
        }
    }
# How long a rendered public page is kept; 0 turns the page cache off.
PAGE_CACHE_SECONDS = int(os.environ.get("DJANGO_PAGE_CACHE_SECONDS", "").strip() or 600)
# A page whose compressed copy is bigger than this is not cached (core/caching.py).
PAGE_CACHE_MAX_BYTES = 128 * 1024

# The covering index on instruments (programs.Instrument.Meta.indexes) is for PostgreSQL;
# SQLite builds it without its extra columns, which is all this warning says.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out username and address is refused before any password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "es-mx"
# Each language named in itself, as a language switcher shows them.
LANGUAGES = [
    ("es-mx", "Español"),
    ("en", "English"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The records' public text in both languages (*/translation.py): Spanish is the original,
# kept in each field's own column and mirrored in its `_es_mx` column; English sits in the
# `_en` column, and a page in English shows the Spanish where the English is missing (the
# templates mark such text lang="es-MX", core/templatetags/bilingual.py). A record built
# from Spanish values alone (a fixture, a test) has its Spanish column filled from them.
MODELTRANSLATION_DEFAULT_LANGUAGE = "es-mx"
MODELTRANSLATION_LANGUAGES = ("es-mx", "en")
MODELTRANSLATION_FALLBACK_LANGUAGES = ("es-mx",)
MODELTRANSLATION_AUTO_POPULATE = "default"
TIME_ZONE = "America/Mexico_City"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# The knowledge base is loaded from fixtures/; the full texts of the source documents the
# records quote (core.sources.Source.text_file) live beside them.
FIXTURE_DIRS = [BASE_DIR / "fixtures"]
SOURCE_TEXTS_DIR = BASE_DIR / "fixtures" / "source"
SOURCE_DOCUMENT = SOURCE_TEXTS_DIR / "mexico-a-hrc-35-l28.txt"

# The admin is only reachable under this path; moving it off the well-known /admin/
# spares it most scripted login attempts.
ADMIN_PATH = os.environ.get("DJANGO_ADMIN_PATH", "").strip().strip("/") or "admin"

# Security. Production (DJANGO_DEBUG off) sits behind a proxy that terminates TLS and
# sets X-Forwarded-Proto, which must overwrite any such header a client sends.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_flag("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
# Load balancers probe over plain HTTP from inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = (
    0 if DEBUG else int(os.environ.get("DJANGO_HSTS_SECONDS", "").strip() or 31536000)
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_flag("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_flag("DJANGO_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = env_flag("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
# No script of ours or of the admin reads the CSRF cookie; forms carry the token.
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_ENGINE = "config.sessions"
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
# No model has a file field: an uploaded file is read and dropped, never kept in memory or
# written to disk. A body larger than any form of the site takes is refused before it is
# read, and the forms anyone may post (the language switch, the admin's login) take a few
# short fields only (config.middleware.RequestBodyMiddleware).
FILE_UPLOAD_HANDLERS = []
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # Django's default, 2.5 MB: the admin's largest form
PUBLIC_FORM_MAX_BYTES = 4096
# Every script and style is a file served by the site itself: no inline code, no
# third party. Pages are cached whole and shared, so the policy carries no nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "manifest-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

# Five failed admin logins for one username from one address lock that pair out for
# fifteen minutes from the failure that reached the limit; tries during the lockout are
# refused without starting it over, and a success resets the count. Behind
# DJANGO_TRUSTED_PROXIES proxies, the client's address is the X-Forwarded-For entry the
# outermost proxy appended (config/proxies.py).
AXES_FAILURE_LIMIT = int(os.environ.get("DJANGO_LOGIN_FAILURE_LIMIT", "").strip() or 5)
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_TEMPLATE = "lockout.html"
TRUSTED_PROXIES = int(os.environ.get("DJANGO_TRUSTED_PROXIES", "").strip() or 0)
if TRUSTED_PROXIES < 0:
    raise ImproperlyConfigured("DJANGO_TRUSTED_PROXIES is a number of proxies, 0 or more.")
AXES_CLIENT_IP_CALLABLE = "config.proxies.client_address"

# The read API (api/): anonymous and read-only, JSON only (no browsable API, whose pages
# need inline scripts the CSP refuses), `API_RATE` requests per client (api/throttling.py).
API_RATE = os.environ.get("DJANGO_API_RATE", "").strip() or "120/min"
if not re.fullmatch(r"[1-9][0-9]*/(s|sec|m|min|h|hour|d|day)", API_RATE):
    raise ImproperlyConfigured("DJANGO_API_RATE is a number of requests per s, min, h or day.")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["api.renderers.EscapedJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_THROTTLE_CLASSES": [],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Buenas Prácticas: API de lectura",
    "DESCRIPTION": (
        "Los registros de la base de conocimiento en JSON, con los filtros y la búsqueda del "
        "catálogo. Datos bajo licencia CC BY 4.0."
    ),
    "VERSION": "1",
    "LICENSE": {"name": "CC BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"},
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Parameter descriptions are the filters' labels; the values are listed apart.
    "ENUM_GENERATE_CHOICE_DESCRIPTION": False,
}

# Every log line is one JSON object carrying the request's id, which is also returned in
# the X-Request-ID header (taken from the proxy's header when it sends a valid one).
DJANGO_GUID = {"GUID_HEADER_NAME": "X-Request-ID"}
LOG_LEVEL = os.environ.get("DJANGO_LOG_LEVEL", "").strip().upper() or "INFO"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "django_guid.log_filters.CorrelationId"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "datefmt": "%Y-%m-%dT%H:%M:%S%z",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s %(correlation_id)s",
            "rename_fields": {
                "asctime": "time",
                "levelname": "level",
                "name": "logger",
                "correlation_id": "request_id",
            },
        }
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json",
        }
    },
    "root": {"handlers": ["stderr"], "level": "WARNING"},
    "loggers": {
        "django": {"handlers": ["stderr"], "level": LOG_LEVEL, "propagate": False},
        # Django's own access lines duplicate config.middleware's, without the timing.
        "django.server": {"handlers": [], "propagate": False},
        "buenas_practicas": {"handlers": ["stderr"], "level": LOG_LEVEL, "propagate": False},
        "axes": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
        "django_guid": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
    },
}
