"""A record's address from its slug, without a pass through the URL resolver for each
record: list pages link to a few hundred records, and `reverse()` (about 10 µs a call)
was a tenth of an area page's time at 100,000 instruments."""

import functools
from urllib.parse import quote

from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

# A slug no record has, replaced by the record's own in the address reversed for it.
PLACEHOLDER = "0-slug-0"


@functools.lru_cache(maxsize=256)
def address_pattern(viewname, language, script_prefix, urlconf):
    """The address of `viewname` for the slug PLACEHOLDER. What `reverse()` reads besides
    its arguments (the active language, the script prefix, the request's URLconf) is in
    the cache key, so that each gets its own pattern."""
    return reverse(viewname, kwargs={"slug": PLACEHOLDER}, urlconf=urlconf)


def slug_address(viewname, slug):
    """What `reverse(viewname, kwargs={"slug": slug})` gives, for a view whose address
    takes only a slug."""
    pattern = address_pattern(viewname, get_language(), get_script_prefix(), get_urlconf())
    return pattern.replace(PLACEHOLDER, quote(slug, safe="-_"))
