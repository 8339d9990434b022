"""An in-memory inverted index over one kind of record, built from the analyzed text the
records store, and the matching and ranking of parsed queries against it.

Every record is a *position* (0, 1, 2…, in the order the records were given). Each of
its four fields maps terms, and pairs of adjacent terms, to roaring bitmaps of positions:

    a  name and acronym        weight 8
    b  summary                  weight 4
    c  body                     weight 2
    d  linked names             weight 1    (what the record is linked to: the names of
                                             its institutions, groups, places, practice,
                                             area; its years)
    e  linked context           weight 0.5  (the text of its practice and area)

A query's concepts (core/search/query.py) become bitmaps; a record matches a concept when
any of the concept's alternatives is in one of its fields, and is worth the weight of the
best field it matched in, times how rare the concept is (its inverse document frequency).
The results are the records matching every concept; when there are none, those matching
the most concepts any record matches. The context field is searched only when the others
give nothing: a practice's text mentions every instrument of the practice, so it is a
last resort, not evidence. Ties go by name. Matching and ranking are plain arithmetic in
this process, so SQLite and PostgreSQL give the same results in the same order.
"""

import math
from bisect import bisect_left
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
from pyroaring import BitMap

from .postings import postings

FIELDS = ("a", "b", "c", "d", "e")
WEIGHTS = (8.0, 4.0, 2.0, 1.0, 0.5)
# The fields of a record's own text (what a quoted phrase, a bag of words or an exclusion
# is looked for in), and those searched first: the context field (e) only when nothing
# matches without it.
OWN = ("a", "b", "c")
FIRST = ("a", "b", "c", "d")
# Words typed together may stand apart in a record's name or summary ("trabajadores del
# sector agrícola"), not anywhere in a long text, where they may well be unrelated.
BAG_FIELDS = ("a", "b")
# An exact name or acronym comes first, whatever else matched.
EXACT_BONUS = 1_000.0


@dataclass
class Document:
    """What the index needs of one record: its analyzed text by field, the normalized name
    an exact search would type, its acronym's term, and the text it sorts by."""

    pk: int
    fields: tuple  # four analyzed strings, one per field
    key: str = ""
    acronym: str = ""
    sort_name: str = ""


class FieldIndex:
    """The terms and adjacent pairs of one field: {term: BitMap}, {"a b": BitMap}."""

    def __init__(self, terms=None, pairs=None):
        self.terms = terms or {}
        self.pairs = pairs or {}
        self.sorted_terms = sorted(self.terms)

    @classmethod
    def from_texts(cls, texts):
        """The field of records whose analyzed texts, by position, are `texts`."""
        return cls.from_rows(enumerate(texts))

    @classmethod
    def from_rows(cls, rows):
        """The field from (position, analyzed text) rows, read once, a batch at a time."""
        return cls(*postings(rows))

    def term(self, term):
        return self.terms.get(term) or BitMap()

    def prefix(self, prefix):
        """Every position holding a term that starts with `prefix`."""
        start = bisect_left(self.sorted_terms, prefix)
        found = []
        for term in self.sorted_terms[start:]:
            if not term.startswith(prefix):
                break
            found.append(self.terms[term])
        return BitMap.union(*found) if found else BitMap()

    def phrase(self, terms):
        """Positions holding `terms` one after another: each adjacent pair of them."""
        if len(terms) == 1:
            return self.term(terms[0])
        pairs = [self.pairs.get(f"{first} {second}") for first, second in pairwise(terms)]
        if any(pair is None for pair in pairs):
            return BitMap()
        return BitMap.intersection(*pairs)

    def bag(self, terms):
        """Positions holding every one of `terms`, in any order."""
        return BitMap.intersection(*(self.term(term) for term in terms))

    def discard(self, positions):
        for bitmap in (*self.terms.values(), *self.pairs.values()):
            bitmap.difference_update(positions)


@dataclass
class Match:
    """The records a query matched: `positions`, and for each position (dense arrays over
    the whole index) its score and how many of the query's concepts it matched."""

    positions: BitMap
    score: np.ndarray
    matched: np.ndarray
    concepts: int
    # True when some results match only most of the words, not all.
    partial: bool = False
    exact: BitMap = field(default_factory=BitMap)

    @property
    def complete(self):
        """Whether some results match every word."""
        return bool(self.positions) and int(self.matched[as_indices(self.positions)].max()) == (
            self.concepts
        )

    def joined(self, other):
        """The records either match found, each scored by the better of the two: the same
        words read two ways (Query.spanish)."""
        positions = self.positions | other.positions
        matched = np.maximum(self.matched, other.matched)
        partial = bool(positions) and bool((matched[as_indices(positions)] < self.concepts).any())
        return Match(
            positions,
            np.maximum(self.score, other.score),
            matched,
            self.concepts,
            partial,
            self.exact | other.exact,
        )


class TextIndex:
    """The index of one kind of record (see the module's docstring): `fields` holds one
    FieldIndex per field, in FIELDS order."""

    def __init__(self, documents, fields=None):
        documents = list(documents)
        self.pks = np.fromiter((d.pk for d in documents), dtype=np.int64, count=len(documents))
        self.position_of = {pk: position for position, pk in enumerate(self.pks.tolist())}
        if fields is None:
            fields = [
                FieldIndex.from_texts(document.fields[index] for document in documents)
                for index in range(len(FIELDS))
            ]
        self.fields = fields
        self.keys, self.acronyms = {}, {}
        for position, document in enumerate(documents):
            if document.key:
                self.keys.setdefault(document.key, BitMap()).add(position)
            if document.acronym:
                self.acronyms.setdefault(document.acronym, BitMap()).add(position)
        self.sort_rank = rank_by([document.sort_name for document in documents])
        self.name_order = np.argsort(self.sort_rank, kind="stable")  # positions by name
        self.all = BitMap(range(len(documents)))

    def __len__(self):
        return len(self.pks)

    def positions_of(self, pks):
        return BitMap(self.position_of[pk] for pk in pks if pk in self.position_of)

    # Matching ------------------------------------------------------------------------

    def concept_fields(self, concept, fields):
        """For each field, the positions matching `concept` there, in the fields named
        `fields` (others give none). A bag's words must all be in one short field of the
        record's own text (BAG_FIELDS)."""
        if concept.own_text:
            fields = [name for name in fields if name in OWN]
        matched = []
        for name, index in zip(FIELDS, self.fields, strict=True):
            found = []
            if name in fields:
                found += [index.phrase(phrase) for phrase in concept.phrases]
                if name in FIRST:  # a word's start alone is too weak a clue in context
                    found += [index.prefix(term) for term in concept.prefixes]
                if name in BAG_FIELDS:
                    found += [index.bag(bag) for bag in concept.bags]
            matched.append(BitMap.union(*found) if found else BitMap())
        return matched

    def match(self, query, within=None):
        """The records matching `query` (a parsed Query), among the positions `within`
        (by default all): those matching every concept, or when none does, those matching
        the most concepts any record matches; with the context field only when no record
        matches every concept without it. On an English page, also those its Spanish
        reading alone matches (Query.spanish)."""
        scope = self.all if within is None else within
        found = self.match_reading(query, scope)
        if query.spanish is None:
            return found
        return found.joined(self.match_reading(query.spanish, scope))

    def match_reading(self, query, scope):
        found = self.match_in(query, scope, FIRST)
        if found.positions and not found.partial:
            return found
        wider = self.match_in(query, scope, FIELDS)
        return wider if wider.positions and (found.partial or not found.positions) else found

    def match_in(self, query, scope, fields):
        score, matched = np.zeros(len(self)), np.zeros(len(self), dtype=np.int16)
        positive = [concept for concept in query.concepts if not concept.negated]
        every, some = None, BitMap()
        for concept in positive:
            anywhere = self.score_concept(concept, fields, score)
            matched[as_indices(anywhere)] += 1
            every = anywhere if every is None else every & anywhere
            some |= anywhere
        excluded = BitMap.union(
            BitMap(), *(self.concept_positions(c, fields) for c in query.concepts if c.negated)
        )
        positions = ((every or BitMap()) & scope) - excluded
        partial = False
        if len(positive) > 1 and not positions:
            positions = self.most_concepts(matched, (some & scope) - excluded)
            partial = bool(positions)
        exact = self.exact_positions(query) & positions
        return Match(positions, score, matched, len(positive), partial, exact)

    def concept_positions(self, concept, fields):
        return BitMap.union(*self.concept_fields(concept, fields))

    def score_concept(self, concept, fields, score):
        """Add to `score` what `concept` is worth to each record it matches (the weight of
        the best field it matched in, times its rarity); return those records."""
        by_field = self.concept_fields(concept, fields)
        anywhere = BitMap.union(*by_field)
        rarity = math.log(1 + len(self) / (1 + len(anywhere)))
        best = np.zeros(len(self))
        for weight, positions in sorted(zip(WEIGHTS, by_field, strict=True), key=lambda x: x[0]):
            best[as_indices(positions)] = weight
        score += best * rarity
        return anywhere

    @staticmethod
    def most_concepts(matched, candidates):
        """Among `candidates`, those matching as many concepts as the best of them."""
        counts = matched[as_indices(candidates)]
        best = int(counts.max(initial=0))
        return (
            BitMap(as_indices(candidates)[counts == best].astype(np.uint32)) if best else BitMap()
        )

    def exact_positions(self, query):
        found = self.keys.get(query.exact_key, BitMap()) | self.acronyms.get(
            query.acronym_key, BitMap()
        )
        return BitMap(found)

    def ranked(self, match, positions=None):
        """`positions` (by default every match) as an array, best first: an exact name or
        acronym, then the records matching more concepts, then by score, then by name."""
        positions = match.positions if positions is None else positions
        order = as_indices(positions)
        if not len(order):
            return order
        exact = np.zeros(len(self), dtype=bool)
        exact[as_indices(match.exact)] = True
        keys = (
            self.sort_rank[order],
            -match.score[order],
            -match.matched[order],
            ~exact[order],
        )
        return order[np.lexsort(keys)]

    def by_name(self, positions, descending=False):
        """`positions` in name order: the positions in name order, kept where they are
        among `positions` (linear, where sorting them again on each request was not)."""
        wanted = np.zeros(len(self), dtype=bool)
        wanted[as_indices(positions)] = True
        order = self.name_order[wanted[self.name_order]]
        return order[::-1] if descending else order


def rank_by(keys):
    """Each key's place in the sorted order (ties in the given order)."""
    order = sorted(range(len(keys)), key=lambda index: (keys[index], index))
    rank = np.empty(len(keys), dtype=np.int64)
    rank[order] = np.arange(len(keys))
    return rank


def as_indices(bitmap):
    """The positions of `bitmap` as a numpy array, to index dense arrays with."""
    return np.frombuffer(bitmap.to_array(), dtype=np.uint32).astype(np.int64)
