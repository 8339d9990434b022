"""The sitemap: every public record (published instruments and practices; the areas,
institutions and target groups, which are always public) and the list pages. Split into
sections, each paged at `ADDRESSES_PER_PAGE`, under the index at /sitemap.xml. Every
address is there in Spanish and in English, each naming the other."""

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.core.paginator import Paginator
from django.db.models import Max, QuerySet
from django.urls import reverse

from practices.models import Practice, ThematicArea
from programs.models import Institution, Instrument, TargetGroup

# Django's default is the protocol's maximum, 50,000: at 100,000 instruments one such page
# took 10 s to render and weighed 34 MB; at 500, 95 ms and 320 KB.
ADDRESSES_PER_PAGE = 500


class LanguagePairs:
    """The (item, language) pairs Django's sitemap pages through, read a page at a time.

    Django builds the list of every pair to count the pages (for the index, 2 s at 100,000
    instruments) and again to show one. Every item here has every language, so the pairs
    are counted with one COUNT and a page reads only the items it shows."""

    def __init__(self, items, languages):
        self.items, self.languages = items, list(languages)

    def __len__(self):
        items = self.items.count() if isinstance(self.items, QuerySet) else len(self.items)
        return items * len(self.languages)

    def __getitem__(self, window):
        per_item = len(self.languages)
        first, last = window.start // per_item, -(-window.stop // per_item)
        pairs = [(item, code) for item in self.items[first:last] for code in self.languages]
        skip = first * per_item
        return pairs[window.start - skip : window.stop - skip]


class LanguagesSitemap(Sitemap):
    """Each address once per language, with its alternates in the others (hreflang)."""

    i18n = True
    alternates = True
    x_default = True
    limit = ADDRESSES_PER_PAGE

    @property
    def paginator(self):
        languages = self.languages or [code for code, _ in settings.LANGUAGES]
        return Paginator(LanguagePairs(self.items(), languages), self.limit)


class RecordSitemap(LanguagesSitemap):
    def __init__(self, queryset):
        self.queryset = queryset

    def items(self):
        return self.queryset.order_by("pk")

    def lastmod(self, item):
        return item.updated_at

    def get_latest_lastmod(self):
        # For the index: one aggregate, rather than reading every record as Django does.
        return self.queryset.aggregate(latest=Max("updated_at"))["latest"]


class PageSitemap(LanguagesSitemap):
    names = (
        "catalogue:home",
        "catalogue:catalogue",
        "catalogue:target_group_list",
        "catalogue:institution_list",
        "catalogue:timeline",
        "programs:glossary",
        "catalogue:about",
    )

    def items(self):
        return self.names

    def location(self, item):
        return reverse(item)


def only(model, *fields):
    return model.objects.only("pk", "slug", "updated_at", *fields)


SITEMAPS = {
    "paginas": PageSitemap(),
    "areas": RecordSitemap(only(ThematicArea)),
    "practicas": RecordSitemap(only(Practice).published()),
    "instrumentos": RecordSitemap(only(Instrument).published()),
    "grupos": RecordSitemap(only(TargetGroup)),
    "instituciones": RecordSitemap(only(Institution)),
}
