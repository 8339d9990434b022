"""Public pages answered from a cache, or with 304 Not Modified, until the knowledge base
changes.

Every public page depends on the knowledge base as a whole (counts, facets, links), so
one revision number (`ContentRevision`), bumped in the same transaction as any change,
stands for all of it. Cached copies are keyed by it and browsers revalidate against it:
a page from before an edit is never served after the edit commits, on any worker, even
when the cache is each process's own memory.
"""

import datetime
import hashlib
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date, quote_etag
from django.utils.translation import get_language

from .revision import ContentRevision


def public_page(view):
    """Serve `view` from the page cache (when `PAGE_CACHE_SECONDS` is set) and answer
    conditional GETs. Signed-in users always get a fresh page: staff see drafts."""

    @wraps(view)
    def cached_view(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD") or request.user.is_authenticated:
            return view(request, *args, **kwargs)
        revision = ContentRevision.objects.current()
        # An instrument's status follows today's date: pages also change at midnight.
        today = timezone.localdate()
        midnight = timezone.make_aware(datetime.datetime.combine(today, datetime.time()))
        version = f"{revision.tag}-{today:%Y%m%d}-{get_language()}"
        etag = quote_etag(version)
        last_modified = int(max(revision.changed_at, midnight).timestamp())
        not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified)
        if not_modified is not None:
            return with_validators(not_modified, etag, last_modified)

        timeout = settings.PAGE_CACHE_SECONDS
        path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
        key = f"page:{version}:{path}"
        response = cache.get(key) if timeout else None
        if response is None:
            response = view(request, *args, **kwargs)
            if hasattr(response, "render"):
                response.render()
            if timeout and response.status_code == 200:
                cache.set(key, response, timeout)
        return with_validators(response, etag, last_modified)

    return cached_view


def with_validators(response, etag, last_modified):
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    # Browsers keep the page but ask before reusing it: the answer is a cheap 304.
    patch_cache_control(response, no_cache=True)
    # The language comes from the cookie or from Accept-Language.
    patch_vary_headers(response, ("Cookie", "Accept-Language"))
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
