"""Which build of the site this process runs: a digest of the files that make its pages
(the apps' code, the templates, the static files, the compiled translations).

Cached pages are keyed by it as well as by the knowledge base's revision, and the cache
outlives a deploy (a file cache under var/, or Redis): without it, a page cached before a
deploy that changed a template or a stylesheet would still be served after it, pointing
at the old hashed stylesheet until the next edit. `DJANGO_RELEASE` names a build instead,
where one is deployed without its sources' timestamps mattering.
"""

import hashlib
import os
from functools import lru_cache

from django.conf import settings

# What a page is made of; tests/ and ops/ never render a public page.
PARTS = ("api", "catalogue", "compact", "config", "core", "practices", "programs", "templates")
PARTS_WITH_DATA = ("static", "locale")
SUFFIXES = (".py", ".html", ".txt", ".css", ".js", ".svg", ".mo")


@lru_cache(maxsize=1)
def release():
    """A short digest naming this build: the same in every process of one deploy."""
    if named := os.environ.get("DJANGO_RELEASE", "").strip():
        return named[:40]
    digest = hashlib.sha256()
    for path in sorted(build_files()):
        digest.update(str(path.relative_to(settings.BASE_DIR)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def build_files():
    for part in PARTS + PARTS_WITH_DATA:
        root = settings.BASE_DIR / part
        if root.is_dir():
            yield from (
                path for path in root.rglob("*") if path.suffix in SUFFIXES and path.is_file()
            )
