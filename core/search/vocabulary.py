"""The words search knows: every word indexed (for typo tolerance and «¿Quiso decir…?»)
and the equivalences editors keep (synonyms)."""

import re

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.records import TimeStampedModel

from .analyzer import STOP_WORDS, analyze, normalize, stem


class SynonymQuerySet(models.QuerySet):
    def get_by_natural_key(self, terms):
        return self.get(terms=terms)


class Synonym(TimeStampedModel):
    """Words or phrases a reader may type for the same thing. Search treats every one of
    them as any of the others."""

    terms = models.TextField(
        _("términos equivalentes"),
        help_text=_(
            "Palabras o frases separadas por comas, p. ej.: retornados, repatriados, migrantes "
            "de retorno. Puede incluir palabras en inglés (children, trafficking) para lectores "
            "que no escriben en español."
        ),
    )

    objects = SynonymQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sinónimo")
        verbose_name_plural = _("sinónimos")
        ordering = ["terms"]

    def __str__(self):
        return self.terms

    def phrases(self):
        """Each equivalent, analyzed: a tuple of terms."""
        return [tuple(analyze(term).split()) for term in self.terms.split(",") if term.strip()]

    def natural_key(self):
        return (self.terms,)


class SearchTermManager(models.Manager):
    def add_words(self, text):
        """Record the words of `text` in the vocabulary that typo tolerance and "did you
        mean" draw on (a word already there is left alone)."""
        found = {}
        for token in re.findall(r"\w+", text):
            word = normalize(token)
            if word.isalpha() and word not in STOP_WORDS and len(word) > 2:
                found.setdefault(word, token.casefold())
        self.bulk_create(
            [
                SearchTerm(word=word, display=display, stem=stem(word), length=len(word))
                for word, display in found.items()
            ],
            ignore_conflicts=True,
            batch_size=500,
        )

    def near(self, terms, query_words):
        """The indexed words that are one of `terms`, or long enough to be a typo or a
        correction of one of `query_words`, as (word, stem, display): one query for both
        uses."""
        lengths = {
            length
            for word in query_words
            if len(word) >= 3
            for length in range(len(word) - 2, len(word) + 3)
        }
        return list(
            self.filter(Q(stem__in=terms) | Q(length__in=lengths)).values_list(
                "word", "stem", "display"
            )
        )


class SearchTerm(models.Model):
    """One word of the search vocabulary, as indexed."""

    word = models.CharField(max_length=100, unique=True, help_text="Normalized: ninos")
    display = models.CharField(max_length=100, help_text="As written: niños")
    stem = models.CharField(max_length=100, db_index=True)
    length = models.PositiveSmallIntegerField(db_index=True)

    objects = SearchTermManager()

    class Meta:
        verbose_name = _("término de búsqueda")
        verbose_name_plural = _("vocabulario de búsqueda")
        ordering = ["word"]

    def __str__(self):
        return self.display
