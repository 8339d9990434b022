"""The sitemap: every public record (published instruments and practices; the areas,
institutions and target groups, which are always public) and the list pages. Split into
sections, each paged by Django at 50,000 addresses, under the index at /sitemap.xml. Every
address is there in Spanish and in English, each naming the other."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse

from practices.models import Practice, ThematicArea
from programs.models import Institution, Instrument, TargetGroup


class LanguagesSitemap(Sitemap):
    """Each address once per language, with its alternates in the others (hreflang)."""

    i18n = True
    alternates = True
    x_default = True


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
