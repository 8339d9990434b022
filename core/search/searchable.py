"""The model mixin that makes a record findable, and the queryset method that finds it."""

from django.contrib.postgres.search import SearchVectorField
from django.db import models

from . import matching
from .analyzer import analyze, normalize
from .vocabulary import SearchTerm

# The derived search columns: never edited, never exported, not worth keeping in history.
SEARCH_COLUMNS = ["search_a", "search_b", "search_c", "search_key", "search_vector"]


class SearchableQuerySet(models.QuerySet):
    def search(self, query):
        """Records matching `query` (a parsed `core.search.query.Query`), annotated with
        their relevance: `search_exact` and `search_rank`."""
        return matching.search(self, query)

    def ranked(self):
        """Matches in order of relevance: an exact name first, then by rank."""
        return matching.ranked(self)


class SearchableModel(models.Model):
    """A record the site's search finds. Its analyzed text is refreshed on every save, so
    admin edits are searchable at once; loaddata skips save(), which is why loading ends
    with `rebuild_search_index`.

        search_a  name and acronym       (weight A, the heaviest)
        search_b  summary                 (weight B)
        search_c  description or body     (weight C)
    """

    search_a = models.TextField(editable=False, blank=True)
    search_b = models.TextField(editable=False, blank=True)
    search_c = models.TextField(editable=False, blank=True)
    search_key = models.CharField(editable=False, blank=True, max_length=300)
    # Kept by a PostgreSQL trigger (see core/migrations); empty on SQLite.
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        texts = self.refresh_search_fields()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {
                *kwargs["update_fields"],
                "search_a",
                "search_b",
                "search_c",
                "search_key",
            }
        super().save(*args, **kwargs)
        SearchTerm.objects.add_words(" ".join(texts))

    def search_document(self):
        """The record's text by weight: (its name, its summary, its body)."""
        raise NotImplementedError

    def refresh_search_fields(self):
        heading, summary, body = self.search_document()
        heading_and_acronym = f"{heading} {getattr(self, 'acronym', '')}"
        self.search_a = analyze(heading_and_acronym)
        self.search_b = analyze(summary)
        self.search_c = analyze(body)
        self.search_key = normalize(heading)[:300]
        return (heading_and_acronym, summary, body)
