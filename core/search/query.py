"""A reader's words as concepts to match.

Each word becomes a *concept*: the word itself (as a prefix, so "migra" finds
"migración"), its synonyms (the editors' list, and every acronym with the name it stands
for, both ways), and, for a word of five or more letters the index does not know, the
indexed words one typo away. A record matches when it matches every concept; a quoted
phrase must appear as a phrase.
"""

import re
from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import Q, Value

from .analyzer import analyze, normalize, stem, words
from .searchable import SearchableModel
from .vocabulary import SearchTerm, Synonym

MAX_QUERY_WORDS = 12
TYPO_MIN_LENGTH = 5
PREFIX_MIN_LENGTH = 4


@dataclass
class Concept:
    """One thing the query asks for: any of its alternatives will do."""

    phrases: set = field(default_factory=set)  # tuples of terms, matched as phrases
    prefixes: set = field(default_factory=set)  # single terms matched as prefixes
    bags: set = field(default_factory=set)  # tuples of terms, all present in any order


@dataclass
class Query:
    text: str
    concepts: list = field(default_factory=list)
    exact_key: str = ""  # the whole query, normalized, to find an exact name
    # Indexed words near the query's, for typo tolerance and "did you mean": (the word
    # normalized, its stem, as written).
    vocabulary: list = field(default_factory=list)

    def __bool__(self):
        return bool(self.concepts)

    @property
    def terms(self):
        """Every term a match may show, for highlighting."""
        found = set()
        for concept in self.concepts:
            for phrase in concept.phrases:
                found.update(phrase)
            found.update(concept.prefixes)
            for bag in concept.bags:
                found.update(bag)
        return found


def models_with_acronyms():
    """The searchable models whose records may have an acronym."""
    return [
        model
        for model in apps.get_models()
        if issubclass(model, SearchableModel)
        and any(field.name == "acronym" for field in model._meta.fields)
    ]


def synonym_groups(query_words, text):
    """Groups of equivalent phrases, each phrase a tuple of terms: the editors' synonyms,
    and each acronym with the name it stands for, for the acronyms and names the query
    uses (so the cost does not grow with the number of records)."""
    asked = Q(acronym__iexact=text) | Q(search_key=normalize(text))
    for word in query_words:
        asked |= Q(acronym__iexact=word)
    # One query: the editors' synonyms (their terms, no acronym) and the acronyms asked.
    synonyms = Synonym.objects.annotate(acronym=Value("")).values_list("acronym", "terms")
    rows = synonyms.order_by().union(
        *(
            model.objects.filter(asked)
            .exclude(acronym="")
            .values_list("acronym", "name")
            .order_by()
            for model in models_with_acronyms()
        ),
        all=True,
    )
    groups = []
    for acronym, name in rows:
        if acronym:
            groups.append([tuple(analyze(acronym).split()), tuple(analyze(name).split())])
        else:
            groups.append(Synonym(terms=name).phrases())
    return [[phrase for phrase in group if phrase] for group in groups]


def known_terms(terms, vocabulary):
    """Which of `terms` the index holds."""
    return {stem for _word, stem, _display in vocabulary if stem in terms}


def edit_distance(first, second, limit=2):
    """Optimal string alignment distance (a swap of two letters counts as one typo),
    stopping early once it exceeds `limit`."""
    if abs(len(first) - len(second)) > limit:
        return limit + 1
    previous2, previous = None, list(range(len(second) + 1))
    for i, a in enumerate(first, 1):
        current = [i]
        for j, b in enumerate(second, 1):
            cost = 0 if a == b else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a == second[j - 2] and first[i - 2] == b:
                value = min(value, previous2[j - 2] + 1)
            current.append(value)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def typo_candidates(words_, vocabulary):
    """Indexed words one typo away from each unknown word of five letters or more."""
    long_words = [word for word in words_ if len(word) >= TYPO_MIN_LENGTH]
    by_word = {word: stem for word, stem, _display in vocabulary}
    return {
        word: {by_word[other] for other in by_word if edit_distance(word, other) <= 1}
        for word in long_words
    }


def parse(text):
    """The query `text` as concepts. Quoted text is one phrase; the rest, word by word,
    with synonyms matched longest first."""
    text = (text or "").strip()
    query = Query(text=text, exact_key=normalize(text))
    quoted = re.findall(r'"([^"]+)"', text)
    loose = words(re.sub(r'"[^"]*"', " ", text))[:MAX_QUERY_WORDS]
    for phrase in quoted:
        terms = tuple(analyze(phrase).split())
        if terms:
            query.concepts.append(Concept(phrases={terms}))
    every_word = words(text)[:MAX_QUERY_WORDS]
    if every_word:
        query.vocabulary = SearchTerm.objects.near([stem(word) for word in every_word], every_word)
    if loose:
        query.concepts += _word_concepts(loose, text, query.vocabulary)
    return query


def _word_concepts(loose, text, vocabulary):
    """The concepts of the unquoted words `loose`, in order."""
    groups = synonym_groups(loose, text)
    terms = [stem(word) for word in loose]
    known = known_terms(terms, vocabulary)
    typos = typo_candidates(
        [word for word, term in zip(loose, terms, strict=True) if term not in known], vocabulary
    )
    concepts, position = [], 0
    while position < len(terms):
        concept, used = _synonym_concept(terms, position, groups)
        if concept is None:
            concept, used = _single_word_concept(loose[position], terms[position], groups, typos), 1
        concepts.append(concept)
        position += used
    return concepts


def _single_word_concept(word, term, groups, typos):
    concept = Concept(phrases={(term,)})
    if len(term) >= PREFIX_MIN_LENGTH:
        concept.prefixes.add(term)
    for alternative in (term, *typos.get(word, ())):
        concept.phrases.add((alternative,))
        for group in groups:
            if (alternative,) in group:
                concept.phrases.update(group)
    return concept


def _synonym_concept(terms, position, groups):
    """The concept of the longest multi-word synonym phrase that starts at `position`."""
    best = None
    for group in groups:
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


def suggestion(query):
    """A corrected query ("¿Quiso decir …?") from the indexed words closest to each word
    the index does not know, or "" when there is nothing to correct."""
    original = words(query.text)
    terms = [stem(word) for word in original]
    known = known_terms(terms, query.vocabulary)
    corrected, changed = [], False
    for word, term in zip(original, terms, strict=True):
        if term in known or len(word) < 3:
            corrected.append(word)
            continue
        lengths = range(len(word) - 2, len(word) + 3)
        close = sorted(
            (edit_distance(word, other), other, display)
            for other, _stem, display in query.vocabulary
            if len(other) in lengths
        )
        if close and close[0][0] <= 2:
            corrected.append(close[0][2])
            changed = True
        else:
            corrected.append(word)
    return " ".join(corrected) if changed else ""
