"""Atom feeds of what is new and what changed: the whole knowledge base (its published
instruments and practices), and any catalogue query (`?formato=atom` on the catalogue or a
group's page, the same search and filters). Each entry is a published record, dated by
its creation (`published`) and its last change (`updated`); the newest `FEED_SIZE`."""

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from practices.models import Practice
from programs.models import Instrument

FEED_SIZE = 50


class RecordFeed(Feed):
    feed_type = Atom1Feed

    def item_title(self, item):
        return str(item)

    def item_description(self, item):
        return item.summary

    def item_pubdate(self, item):
        return item.created_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_guid(self, item):
        # Stable across a change of slug (the permalink follows it with a redirect).
        return f"urn:buenas-practicas:{item._meta.model_name}:{item.pk}"

    item_guid_is_permalink = False

    def item_categories(self, item):
        return [item.get_kind_display()] if isinstance(item, Instrument) else [_("buena práctica")]


class KnowledgeBaseFeed(RecordFeed):
    def title(self):
        return _("Buenas Prácticas en migración: novedades")

    def subtitle(self):
        return _("Instrumentos y buenas prácticas publicados o actualizados recientemente.")

    def link(self):
        return reverse("catalogue:home")

    def items(self):
        instruments = Instrument.objects.published().order_by("-updated_at", "-pk")
        practices = Practice.objects.published().order_by("-updated_at", "-pk")
        records = [*instruments[:FEED_SIZE], *practices[:FEED_SIZE]]
        records.sort(key=lambda record: record.updated_at, reverse=True)
        return records[:FEED_SIZE]


class CatalogueFeed(RecordFeed):
    """The instruments a catalogue page lists (its `search`: catalogue/search.py)."""

    def get_object(self, request, search=None, page=""):
        # The feed is one instance for every request: what a request asks for travels
        # in the object, never on the instance.
        return {"search": search, "page": page}

    def title(self, query):
        return _("Buenas Prácticas en migración: catálogo filtrado")

    def subtitle(self, query):
        return _("Instrumentos de esta consulta publicados o actualizados recientemente.")

    def link(self, query):
        return query["page"]

    def items(self, query):
        return query["search"].latest(FEED_SIZE)


catalogue_feed = CatalogueFeed()


knowledge_base_feed = KnowledgeBaseFeed()
