"""One address per page and language: Spanish at the root, English under /en/ (config/urls.py,
i18n_patterns). Each page links to itself in the other languages, for readers (the
language switch) and for search engines (hreflang alternates)."""

from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse, translate_url
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language, override, to_locale


@dataclass(frozen=True)
class Alternate:
    code: str
    name: str
    url: str
    absolute_url: str
    current: bool

    @property
    def hreflang(self):
        """The code as HTML writes it: es-MX, en."""
        return to_locale(self.code).replace("_", "-")


def alternates(request):
    """This page in each language. A path that names no page (a 404) leads to the other
    language's home page, since there is no same page to lead to."""
    # The query the page read (core/caching.py keeps only those): never what else the
    # address carried, which a cached copy would show every reader.
    query = request.GET.urlencode()
    path, current = f"{request.path}?{query}" if query else request.path, get_language()
    found = []
    for code, name in settings.LANGUAGES:
        url = translate_url(path, code)
        if code != current and url == path:
            with override(code):
                url = reverse("catalogue:home")
        found.append(Alternate(code, name, url, request.build_absolute_uri(url), code == current))
    return found


def language_alternates(request):
    """Context processor: `language_alternates`, worked out only by a page that shows it."""
    return {"language_alternates": SimpleLazyObject(lambda: alternates(request))}
