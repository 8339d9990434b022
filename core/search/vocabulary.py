"""The words search knows: every word indexed (for typo tolerance and «¿Quiso decir…?»),
the equivalences editors keep (synonyms) and the acronyms records stand for; and the
`Lexicon` that holds all three in memory for parsing queries."""

import re
from collections import defaultdict
from functools import cached_property, lru_cache

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.records import TimeStampedModel

from .analyzer import STOP_WORDS, acronym_term, analyze, edit_distance, normalize, stem

WORD_LENGTH = 100  # the longest word the vocabulary keeps (SearchTerm.word)
# Typos are forgiven in words up to this long: longer ones are names, codes or addresses.
MAX_TYPO_WORD = 20


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
            word, display = normalize(token), token.casefold()
            # A word too long for the columns (a pasted URL, a run of letters) is indexed
            # like any other, but is no vocabulary term: no reader's typo is corrected into
            # it. Normalized and casefolded forms can each be the longer ("İ" casefolds to
            # two characters, "ﷺ" normalizes to eighteen), so both are measured.
            short = max(len(word), len(display)) <= WORD_LENGTH
            if short and word.isalpha() and word not in STOP_WORDS and len(word) > 2:
                found.setdefault(word, display)
        self.bulk_create(
            [
                SearchTerm(
                    word=word, display=display, stem=stem(word)[:WORD_LENGTH], length=len(word)
                )
                for word, display in found.items()
            ],
            ignore_conflicts=True,
            batch_size=500,
        )


class SearchTerm(models.Model):
    """One word of the search vocabulary, as indexed."""

    word = models.CharField(max_length=WORD_LENGTH, unique=True, help_text="Normalized: ninos")
    display = models.CharField(max_length=WORD_LENGTH, help_text="As written: niños")
    stem = models.CharField(max_length=WORD_LENGTH, db_index=True)
    length = models.PositiveSmallIntegerField(db_index=True)

    objects = SearchTermManager()

    class Meta:
        verbose_name = _("término de búsqueda")
        verbose_name_plural = _("vocabulario de búsqueda")
        ordering = ["word"]

    def __str__(self):
        return self.display


class Lexicon:
    """Everything query parsing checks words against, loaded in three queries:

    - `stems`: every term the vocabulary knows, and `words`: {length: [(word, stem,
      display)]}, for typo tolerance and corrections;
    - `acronyms`: {acronym's term: the analyzed names it stands for};
    - synonym groups (the editors' and each acronym with its name), each a list of
      phrases (tuples of terms), found by the first term of any of their phrases.
    """

    def __init__(self, vocabulary, synonyms, acronyms):
        self.words = defaultdict(list)
        self.by_word = {}
        self.stems = set()
        for word, term, display in vocabulary:
            self.words[len(word)].append((word, term, display))
            self.by_word[word] = (term, display)
            self.stems.add(term)
        # A synonym's words are known too, so that a typo in one is forgiven ("childern").
        for terms in synonyms:
            for word in re.findall(r"[^\W\d_]+", normalize(terms)):
                if word not in self.by_word and word not in STOP_WORDS and len(word) > 2:
                    self.words[len(word)].append((word, stem(word), word))
                    self.by_word[word] = (stem(word), word)
                    self.stems.add(stem(word))
        self.acronyms = defaultdict(set)
        groups = [Synonym(terms=terms).phrases() for terms in synonyms]
        for acronym, name in acronyms:
            term, phrase = acronym_term(acronym), tuple(analyze(name).split())
            if term and phrase:
                self.acronyms[term].add(phrase)
                groups.append([(term,), phrase])
        self.by_first_term = defaultdict(list)
        for group in groups:
            group = [phrase for phrase in group if phrase]
            for first in {phrase[0] for phrase in group}:
                self.by_first_term[first].append(group)

    @classmethod
    def load(cls, acronyms):
        """The lexicon of the database as it is, with `acronyms` ((acronym, name) pairs of
        every record that has one). The same words give the same lexicon, built once: most
        edits change no word, and the next snapshot need not build it (and its typo
        index) again."""
        vocabulary = SearchTerm.objects.values_list("word", "stem", "display").order_by("word")
        synonyms = Synonym.objects.values_list("terms", flat=True).order_by("pk")
        return lexicon_of(tuple(vocabulary), tuple(synonyms), tuple(map(tuple, acronyms)))

    def synonyms_of(self, term):
        """The groups in which `term`, alone, is one of the equivalents."""
        return [group for group in self.by_first_term.get(term, ()) if (term,) in group]

    def synonyms_from(self, term):
        """The groups with a phrase that starts with `term`."""
        return self.by_first_term.get(term, ())

    @cached_property
    def deletions(self):
        """{a known word with up to two letters deleted: the words it comes from}: typo
        candidates found by lookups, not by comparing a word with every known one (the
        symmetric-delete method). Built the first time a typo is looked up."""
        index = defaultdict(set)
        for words in self.words.values():
            for word, _term, _display in words:
                if len(word) <= MAX_TYPO_WORD:
                    for variant in deletions(word, 2):
                        index[variant].add(word)
        return index

    def near(self, word, typos):
        """(distance, word, term, display) of the known words at most `typos` typos away
        from `word`."""
        if len(word) > MAX_TYPO_WORD:
            return []
        found = set()
        for variant in deletions(word, typos):
            found |= self.deletions.get(variant, set())
        near = []
        for other in found:
            distance = edit_distance(word, other, limit=typos)
            if distance <= typos:
                term, display = self.by_word[other]
                near.append((distance, other, term, display))
        return sorted(near)

    def typos_away(self, word, typos):
        """The terms of the known words at most `typos` typos away from `word`."""
        return {term for _distance, _other, term, _display in self.near(word, typos)}

    def closest(self, word):
        """The known word closest to `word`, as written, at most two typos away; or ""."""
        found = self.near(word, 2)
        return found[0][3] if found else ""


@lru_cache(maxsize=2)
def lexicon_of(vocabulary, synonyms, acronyms):
    return Lexicon(vocabulary, synonyms, acronyms)


def deletions(word, depth):
    """`word` and every string made from it by deleting up to `depth` letters."""
    found, frontier = {word}, {word}
    for _level in range(depth):
        frontier = {
            variant[:index] + variant[index + 1 :]
            for variant in frontier
            for index in range(len(variant))
        }
        found |= frontier
    return found
