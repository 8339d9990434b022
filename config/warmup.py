"""What gunicorn's master does before it forks its workers, so that each starts ready: the
search indexes of the knowledge base built, and every kind of page rendered once, which
imports the code and compiles the templates a worker would otherwise load on its first
requests (a quarter to a whole second each)."""

import gc
import logging
import time

from django.conf import settings
from django.db import connections
from django.test import Client

from core.search import engine

logger = logging.getLogger("buenas_practicas.warmup")
# One page of each kind that needs no record of its own.
PAGES = ["/", "/instrumentos/", "/instrumentos/?q=migrantes", "/grupos/", "/cronologia/"]


def warm():
    started = time.monotonic()
    try:
        engine.warm()
        logger.info("Search indexes built in %.1f s", time.monotonic() - started)
        render_pages()
    except Exception:  # the workers build and load what they need themselves
        logger.exception("Could not prepare the workers before forking")
    finally:
        # A connection opened here must not be shared by the forked workers.
        connections.close_all()
        # What the master built stays out of the garbage collector's passes: otherwise
        # each new worker's first full collection walks millions of index objects and,
        # by touching them, copies the pages it shares with the master (Python's gc docs
        # recommend this for pre-fork servers).
        gc.freeze()


def render_pages():
    """Render each page once, as a reader on the first allowed host would ask for it."""
    hosts = [host for host in settings.ALLOWED_HOSTS if "*" not in host and host[0] != "."]
    if not hosts:
        return
    client = Client(HTTP_HOST=hosts[0].strip("[]"), HTTP_X_FORWARDED_PROTO="https")
    for path in PAGES:
        client.get(path, secure=True)
