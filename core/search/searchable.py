"""The model mixin that makes a record findable, and the queryset method that finds it."""

from django.conf import settings
from django.db import models
from django.db.models import Case, IntegerField, Value, When
from django.utils.translation import override

from . import engine
from .analyzer import acronym_term, analyze, analyze_english, normalize
from .index import as_indices
from .vocabulary import SearchTerm

# The derived search columns: never edited, never exported, not worth keeping in history.
SEARCH_COLUMNS = ["search_a", "search_b", "search_c", "search_key"]
# Beyond this many matches, ranked() leaves the order to the caller (the admin's list).
RANKED_AT_MOST = 1000


class SearchableQuerySet(models.QuerySet):
    search_query = None

    def _clone(self):
        clone = super()._clone()
        clone.search_query = self.search_query
        return clone

    def without_search_text(self, *related):
        """The records without their analyzed text (nor that of the `related` records
        selected with them): only the index reads it, and it is most of a row's bytes."""
        deferred = [f"{name}__{column}" for name in related for column in SEARCH_COLUMNS]
        return self.defer(*SEARCH_COLUMNS, *deferred)

    def search(self, query):
        """The records matching `query` (a parsed `core.search.query.Query`); see
        core/search/index.py for how they match."""
        if not query:
            return self
        index = engine.snapshot().text_index(self.model)
        found = self.filter(pk__in=index.pks[as_indices(index.match(query).positions)].tolist())
        found.search_query = query
        return found

    def ranked(self):
        """The matches of `search()` in order of relevance: an exact name first, then by
        how many of the words and how well they match, then by name."""
        if not self.search_query:
            return self
        index = engine.snapshot().text_index(self.model)
        order = index.pks[index.ranked(index.match(self.search_query))].tolist()
        if len(order) > RANKED_AT_MOST:
            return self
        rank = Case(
            *(When(pk=pk, then=Value(place)) for place, pk in enumerate(order)),
            default=Value(len(order)),
            output_field=IntegerField(),
        )
        return self.order_by(rank)


class SearchableModel(models.Model):
    """A record the site's search finds. Its analyzed text is refreshed on every save, so
    admin edits are searchable at once; loaddata skips save(), which is why loading ends
    with `rebuild_search_index`.

        search_a    name, and acronym as typed (never stemmed)
        search_b    summary
        search_c    description or body
                    (each in Spanish, then in English where the record has its English)
        search_key  the name, normalized: what an exact search types, and the sort key
    """

    search_a = models.TextField(editable=False, blank=True)
    search_b = models.TextField(editable=False, blank=True)
    search_c = models.TextField(editable=False, blank=True)
    search_key = models.CharField(editable=False, blank=True, max_length=300)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        texts = self.refresh_search_fields()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], *SEARCH_COLUMNS}
        super().save(*args, **kwargs)
        SearchTerm.objects.add_words(" ".join(texts))

    def search_document(self):
        """The record's text by weight: (its name, its summary, its body)."""
        raise NotImplementedError

    def english_search_document(self):
        """The record's English text by the same weights, ("", "", "") where it has none:
        a record read in both languages (core/bilingual.py) says it in English, without
        falling back to its Spanish."""
        return ("", "", "")

    def refresh_search_fields(self):
        # The original text, whatever the language of the request or command that saves.
        with override(settings.LANGUAGE_CODE):
            heading, summary, body = self.search_document()
        english = [text or "" for text in self.english_search_document()]
        acronym = getattr(self, "acronym", "")
        spanish_heading = f"{analyze(heading)} {acronym_term(acronym)}"
        self.search_a = f"{spanish_heading} {analyze_english(english[0])}".strip()
        self.search_b = f"{analyze(summary)} {analyze_english(english[1])}".strip()
        self.search_c = f"{analyze(body)} {analyze_english(english[2])}".strip()
        self.search_key = normalize(heading)[:300]
        return (f"{heading} {acronym}", summary, body, *english)
