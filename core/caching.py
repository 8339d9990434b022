"""Public pages answered from a cache, or with 304 Not Modified, until the knowledge base
changes.

Every public page depends on the knowledge base as a whole (counts, facets, links), so
one revision number (`ContentRevision`), bumped in the same transaction as any change,
stands for all of it. Cached copies are keyed by it and browsers revalidate against it:
a page from before an edit is never served after the edit commits, on any worker, even
when the cache is each process's own memory. They are keyed by the build too
(core/release.py): a deploy never serves a page the previous build rendered.

What a page may depend on is bounded, so that no URL costs more than a bounded amount:
its path, the host it was asked for, the language, and only the query parameters the
page reads (`params`); any other parameter is dropped before the page is built, so it
neither changes the page nor skips the cache. A page is cached only below
PAGE_CACHE_MAX_BYTES, counted as the cache holds it: compressed. After a change, one
request per page renders it while the others of every process wait for it (single
flight) rather than render the same page at once.
"""

import datetime
import hashlib
import time
import zlib
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse, HttpResponseNotAllowed, QueryDict
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date, quote_etag
from django.utils.translation import get_language

from .release import release
from .revision import ContentRevision
from .search.engine import request_revision, served_stale

READ_METHODS = ("GET", "HEAD")
ALLOWED = ("GET", "HEAD", "OPTIONS")
# How long a request waits for another that is rendering the same page.
RENDER_WAIT_SECONDS = 5
# Cached in place of a page that is not kept, so that its readers do not wait for it.
NOT_KEPT = "not-kept"
NOT_KEPT_SECONDS = 60
POLL_SECONDS = 0.05


def public_page(view=None, *, params=()):
    """Serve `view` from the page cache (when `PAGE_CACHE_SECONDS` is set) and answer
    conditional GETs; `params` names the query parameters the page reads. Signed-in
    users always get a fresh page: staff see drafts."""
    if view is None:
        return lambda view: public_page(view, params=params)

    @wraps(view)
    def cached_view(request, *args, **kwargs):
        if request.method == "OPTIONS":
            response = HttpResponse(status=200)
            response["Allow"] = ", ".join(ALLOWED)
            return response
        if request.method not in READ_METHODS:
            return HttpResponseNotAllowed(ALLOWED)
        request.GET = canonical_query(request.GET, params)
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        return answer_from_cache(request, view, args, kwargs)

    return cached_view


def canonical_query(query, params):
    """`query` with only the parameters in `params`, without empty values, in order."""
    kept = QueryDict(mutable=True)
    for name in sorted(set(query) & set(params)):
        if values := [value for value in query.getlist(name) if value]:
            kept.setlist(name, values)
    kept._mutable = False
    return kept


def answer_from_cache(request, view, args, kwargs):
    revision = ContentRevision.objects.current()
    # An instrument's status follows today's date: pages also change at midnight.
    today = timezone.localdate()
    midnight = timezone.make_aware(datetime.datetime.combine(today, datetime.time()))
    address = f"{request.get_host()}{request.path}?{request.GET.urlencode()}"
    version = f"{revision.tag}-{today:%Y%m%d}-{get_language()}-{release()}"
    digest = hashlib.sha256(f"{version} {address}".encode()).hexdigest()
    # The validator names this page, not just the revision: a copy of another page (or a
    # 404, which carries none) never makes this one "not modified".
    etag, last_modified = (
        quote_etag(digest[:32]),
        int(max(revision.changed_at, midnight).timestamp()),
    )
    not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if not_modified is not None and not_modified.status_code == 304:
        return with_validators(not_modified, etag, last_modified)

    revision_token, stale_token = request_revision.set(revision), served_stale.set(False)
    try:
        response = cached_render(f"page:{digest}", lambda: render(view, request, args, kwargs))
        stale = served_stale.get()
    finally:
        request_revision.reset(revision_token)
        served_stale.reset(stale_token)
    if response.status_code == 200 and not stale:
        return with_validators(response, etag, last_modified)
    return response


def render(view, request, args, kwargs):
    response = view(request, *args, **kwargs)
    if hasattr(response, "render"):
        response.render()
    return response


def cached_render(key, build):
    """The page cached under `key`, or built by `build()` and cached: by one request at a
    time; the others wait for it (up to RENDER_WAIT_SECONDS, then build it themselves)."""
    timeout = settings.PAGE_CACHE_SECONDS
    if not timeout:
        return build()
    kept = cache.get(key)
    if kept == NOT_KEPT:
        # A page this revision does not keep (a 400, a 404, one too big) is made by each
        # request that asks for it, at once: waiting for a copy that never comes slowed
        # four readers of one such page to the pace of one.
        return build()
    if kept is not None:
        return kept.restored()
    lock = f"{key}:building"
    if not cache.add(lock, 1, RENDER_WAIT_SECONDS):
        # Another request is building it: wait while it does, unless it turns out to be
        # a page that is not kept.
        deadline = time.monotonic() + RENDER_WAIT_SECONDS
        while time.monotonic() < deadline and cache.get(lock) is not None:
            time.sleep(POLL_SECONDS)
            if (kept := cache.get(key)) == NOT_KEPT:
                break
            if kept is not None:
                return kept.restored()
    try:
        response = build()
        # A page made from the index of before a change, while the new one is built, is
        # not kept: it would outlive the change.
        if served_stale.get():
            return response
        stored = StoredPage.of(response)
        if stored and len(stored.body) <= settings.PAGE_CACHE_MAX_BYTES:
            cache.set(key, stored, timeout)
        else:  # briefly: a stray address (a 404) should not hold a place for long
            cache.set(key, NOT_KEPT, min(timeout, NOT_KEPT_SECONDS))
        return response
    finally:
        cache.delete(lock)


@dataclass(frozen=True)
class StoredPage:
    """A page as the cache keeps it, its body compressed: what the cache holds is what the
    byte bound counts, and a page of many records still fits (the API's list at 100,000
    instruments: 174 KB, 23 KB compressed). A reader of a kept copy pays its
    decompression: 0.1 ms for a catalogue page, 0.4 ms for the API's list."""

    headers: tuple
    cookies: object
    body: bytes

    @classmethod
    def of(cls, response):
        """`response` to keep, or None: only a 200 is kept, and never a streamed one (a
        CSV download), which is read once, as it is sent."""
        if response.status_code != 200 or response.streaming:
            return None
        return cls(
            tuple(response.headers.items()), response.cookies, zlib.compress(response.content)
        )

    def restored(self):
        response = HttpResponse(zlib.decompress(self.body))
        for name, value in self.headers:
            response[name] = value
        response.cookies = self.cookies
        return response


def with_validators(response, etag, last_modified):
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    # Browsers keep the page but ask before reusing it: the answer is a cheap 304.
    patch_cache_control(response, no_cache=True)
    # The language is in the address; a signed-in editor gets other pages (drafts).
    patch_vary_headers(response, ("Cookie",))
    return response


def bump_revision(sender, raw=False, action="post_", **kwargs):
    # loaddata's raw saves are counted once, by the command that loads (the links it sets
    # still count, harmlessly); a change to links counts once it is done.
    if not raw and action.startswith("post_"):
        ContentRevision.objects.bump()


def watch_for_changes(models):
    """Bump the revision whenever one of `models`, or one of their links, changes."""
    for model in models:
        post_save.connect(bump_revision, sender=model, dispatch_uid=f"revision-save-{model}")
        post_delete.connect(bump_revision, sender=model, dispatch_uid=f"revision-del-{model}")
        for field in model._meta.many_to_many:
            m2m_changed.connect(
                bump_revision, sender=field.remote_field.through, dispatch_uid=f"revision-{field}"
            )
