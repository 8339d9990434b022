"""A reader's words as concepts to match.

Each word becomes a *concept*: the word itself (as a prefix, so "migra" finds
"migración"), its synonyms (the editors' list, and every acronym with the name it stands
for, both ways), and, for a word of five or more letters the index does not know, the
indexed words one typo away. A quoted phrase is one concept that must appear as a phrase;
a word or phrase after a minus sign ("-consular") excludes what matches it. A word typed
in capitals, or one the index knows as an acronym, is an acronym: matched whole, never
stemmed, completed or corrected.

The words the query is checked against (known terms, synonyms, acronyms, the vocabulary
for typos) come from a `Lexicon` (core/search/vocabulary.py), loaded once per revision of
the knowledge base, so parsing asks the database nothing.
"""

import re
from dataclasses import dataclass, field
from functools import cached_property

from django.utils.translation import get_language

from . import engine
from .analyzer import (
    ENGLISH_MARK,
    STOP_WORDS,
    acronym_term,
    analyze,
    analyze_english,
    edit_distance,
    english_term,
    normalize,
    stem,
)

__all__ = ["Concept", "Query", "edit_distance", "parse", "suggestion"]

MAX_QUERY_WORDS = 12
TYPO_MIN_LENGTH = 5
# From this many letters, two typos are forgiven ("bibienda" for "vivienda").
TWO_TYPOS_MIN_LENGTH = 8
PREFIX_MIN_LENGTH = 4
# A correction is offered for words of more letters than this only.
SUGGESTION_MIN_LENGTH = 4

# A quoted phrase or a word, either with a leading minus.
_TOKEN = re.compile(r'(-?)"([^"]+)"|(-?)([^\s"]+)')
_ACRONYM = re.compile(r"^[A-ZÁÉÍÓÚÑ0-9]{2,}[a-z]?$")
# Letters and digits: an underscore or a hyphen separates words.
_WORD = re.compile(r"[^\W_]+")


@dataclass
class Concept:
    """One thing the query asks for: any of its alternatives will do."""

    phrases: set = field(default_factory=set)  # tuples of terms, matched as phrases
    prefixes: set = field(default_factory=set)  # single terms matched as prefixes
    bags: set = field(default_factory=set)  # tuples of terms, all present in any order
    negated: bool = False
    # A quoted phrase is looked for in the record's own text only, not in linked text.
    own_text: bool = False
    # The words as typed, for corrections.
    typed: str = ""


@dataclass
class Query:
    text: str
    concepts: list = field(default_factory=list)
    exact_key: str = ""  # the whole query, normalized, to find an exact name
    acronym_key: str = ""  # the whole query as an acronym's term
    # On an English page: the same words read as Spanish only. Reading a word as English
    # too finds more records for it, which must not make a search find fewer: more
    # records matching every word would hide those that the Spanish page finds by most
    # of them. The index finds what either reading finds (TextIndex.match).
    spanish: "Query | None" = None

    def __bool__(self):
        return any(not concept.negated for concept in self.concepts)

    @cached_property
    def terms(self):
        """Every term a match may show, for highlighting (excluded words aside)."""
        found = set()
        for concept in self.concepts:
            if concept.negated:
                continue
            for phrase in concept.phrases:
                found.update(phrase)
            found.update(concept.prefixes)
            for bag in concept.bags:
                found.update(bag)
        return found

    @cached_property
    def prefixes(self):
        """The terms a shown word may start with (the unknown words typed)."""
        return tuple(
            term for concept in self.concepts if not concept.negated for term in concept.prefixes
        )


def tokens(text):
    """(negated, quoted, text) for each word or quoted phrase of `text`."""
    for match in _TOKEN.finditer(text):
        if match.group(2) is not None:
            yield bool(match.group(1)), True, match.group(2)
        else:
            minus, word = match.group(3), match.group(4)
            # "-" alone, or a hyphen inside a word ("México-Canadá"), excludes nothing.
            yield bool(minus) and len(word) > 0, False, word


def parse(text, lexicon=None, english=None):
    """The query `text` as concepts: quoted phrases, then the words one by one, with
    synonym phrases matched longest first. `lexicon` defaults to the current one.
    `english` (by default: whether the page asking is in English) reads each word as
    English too, to find records by their English text."""
    lexicon = lexicon or engine.snapshot().lexicon
    if english is None:
        english = (get_language() or "").startswith("en")
    text = (text or "").strip()
    query = Query(text=text, exact_key=normalize(text), acronym_key=acronym_term(text))
    loose = []  # (typed, negated) of the unquoted words, in order
    for negated, quoted, part in tokens(text):
        if quoted:
            terms = tuple(analyze(part).split())
            if terms:
                # The phrase as Spanish, or as English (the records' English text).
                phrases = {terms, tuple(analyze_english(part).split())} if english else {terms}
                concept = Concept(phrases=phrases, negated=negated, typed=part, own_text=True)
                query.concepts.append(concept)
        else:
            loose += [(word, negated) for word in _WORD.findall(part)]
    loose = [(w, n) for w, n in loose if normalize(w) not in STOP_WORDS][:MAX_QUERY_WORDS]
    query.concepts += word_concepts(loose, lexicon, english)
    for concept in query.concepts:
        # "-word" excludes the records whose own text says it, not those linked to one.
        concept.own_text |= concept.negated
    if english:
        query.spanish = parse(text, lexicon, english=False)
    return query


def word_concepts(loose, lexicon, english=False):
    """The concepts of the unquoted words `loose` ((typed, negated) pairs), in order."""
    terms = [term_of(word, lexicon) for word, _negated in loose]
    concepts, position = [], 0
    while position < len(terms):
        concept, used = synonym_phrase(terms, position, lexicon)
        if concept is None:
            word, _negated = loose[position]
            concept, used = single_word(word, terms[position], lexicon, english), 1
        concept.negated = loose[position][1]
        concept.typed = " ".join(word for word, _negated in loose[position : position + used])
        concepts.append(concept)
        position += used
    return concepts


def is_acronym(word, lexicon):
    """Whether `word` names an acronym: one the index knows, or a word typed in capitals
    that is not a known word ("COMAR", but not "MIGRANTES")."""
    if acronym_term(word) in lexicon.acronyms:
        return True
    return bool(_ACRONYM.match(word)) and stem(normalize(word)) not in lexicon.stems


def term_of(word, lexicon):
    return acronym_term(word) if is_acronym(word, lexicon) else stem(normalize(word))


def single_word(word, term, lexicon, english=False):
    concept = Concept(phrases={(term,)})
    alternatives = [term]
    if is_acronym(word, lexicon):
        concept.phrases.update(lexicon.acronyms.get(term, ()))
    else:
        normalized = normalize(word)
        # A word the vocabulary knows whole is not completed ("mayores" is not "mayoría");
        # an unknown one may be the start of a word ("migra" for "migración").
        if len(term) >= PREFIX_MIN_LENGTH and normalized not in lexicon.by_word:
            concept.prefixes.add(term)
        if len(normalized) >= TYPO_MIN_LENGTH and term not in lexicon.stems:
            typos = 2 if len(normalized) >= TWO_TYPOS_MIN_LENGTH else 1
            alternatives += sorted(lexicon.typos_away(normalized, typos))
    for alternative in alternatives:
        concept.phrases.add((alternative,))
        for group in lexicon.synonyms_of(alternative):
            concept.phrases.update(group)
    if english and not is_acronym(word, lexicon):
        add_english_reading(concept, normalize(word), lexicon)
    return concept


def add_english_reading(concept, normalized, lexicon):
    """The word read as English too, to match the records' English text: its English
    term, completed like the Spanish one when the word is not known whole."""
    term = english_term(normalized)
    concept.phrases.add((term,))
    if len(term) >= len(ENGLISH_MARK) + PREFIX_MIN_LENGTH and normalized not in lexicon.by_word:
        concept.prefixes.add(term)


def synonym_phrase(terms, position, lexicon):
    """The concept of the longest multi-word synonym phrase that starts at `position`."""
    best = None
    for group in lexicon.synonyms_from(terms[position]):
        for phrase in group:
            starts_here = tuple(terms[position : position + len(phrase)]) == phrase
            longer = best is None or len(phrase) > len(best[1])
            if len(phrase) > 1 and starts_here and longer:
                best = (group, phrase)
    if best is None:
        return None, 0
    group, phrase = best
    # The words typed also count when they are apart ("trabajadores del sector agrícola").
    return Concept(phrases=set(group), bags={phrase}), len(phrase)


def suggestion(query, lexicon=None):
    """A corrected query ("¿Quiso decir …?"): each word the index does not know replaced by
    the closest indexed word, at most two typos away; or "" when nothing is corrected.
    Acronyms and words of SUGGESTION_MIN_LENGTH letters or fewer are never corrected."""
    lexicon = lexicon or engine.snapshot().lexicon
    corrected, changed = [], False
    for word in _WORD.findall(query.text):
        normalized = normalize(word)
        known = stem(normalized) in lexicon.stems or normalized in STOP_WORDS
        if known or is_acronym(word, lexicon) or len(normalized) <= SUGGESTION_MIN_LENGTH:
            corrected.append(word)
            continue
        closest = lexicon.closest(normalized)
        corrected.append(closest or word)
        changed |= bool(closest)
    return " ".join(corrected) if changed else ""
