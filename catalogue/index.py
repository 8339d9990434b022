"""The catalogue's read model: every instrument as a position in roaring bitmaps, built
once per revision of the knowledge base (core/search/engine.py) and shared by every
request of the process.

For each facet value (an area, a kind, a stated status, a target group, an institution, a
place, an objective of the Global Compact, an SDG target) a bitmap holds the
instruments that have it; a group's or a country's bitmap also
holds those of its sub-groups or states, as their filters include them. Years and dates
are arrays by position. The instruments' text index (core/search/index.py) has a fourth
field, their linked text: the names and acronyms of their institutions, target groups
(and the groups above them) and places, their published practices' title, summary and
text, their thematic areas' title and text, and the years of their dates, so that a
program is found by who runs it, whom it serves, where, when, and the practice and area
it belongs to.

Filtering and counting are then set operations on bitmaps, whose cost does not grow with
the number of filters and barely with the number of records (README, Performance).
"""

import datetime
import heapq
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property
from itertools import pairwise

import numpy as np
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import get_language
from pyroaring import BitMap

from compact.models import Objective, ObjectiveLink, SDGTarget, official_language
from core.bilingual import english_name, in_language, spanish_name
from core.records import PublicationStatus
from core.search.analyzer import acronym_term, analyze, analyze_english
from core.search.index import Document, FieldIndex, TextIndex, as_indices
from practices.models import Practice, ThematicArea
from programs.models import (
    Institution,
    Instrument,
    InstrumentKind,
    Participation,
    Place,
    Status,
    TargetGroup,
)

NO_YEAR = 0
OPEN_END = 9999
INSTRUMENT_COLUMNS = [
    "pk", "acronym", "kind", "publication_status", "stated_status", "start_date", "end_date",
    "search_key",
]  # fmt: skip
TEXT_COLUMNS = ("search_a", "search_b", "search_c")
# Rows read from the database at a time while indexing the instruments' text.
TEXT_CHUNK = 2_000


@dataclass
class Node:
    """A facet value: its key (a pk, or a code for kinds and statuses), what the URL
    carries, its label, and for trees its parent's key."""

    key: object
    value: str
    label: str
    parent: object = None
    acronym: str = ""


# A set of at most this many instruments is counted from each instrument's own values
# (Facet.counts_of_few) rather than by trying every value: a search that finds a handful
# of instruments tried all 2,000 institutions, 1.7 ms of its page at 100,000 instruments.
FEW = 256


class Facet:
    """The values of one facet, in display order, each with its bitmap of instruments."""

    def __init__(self, nodes, bitmaps):
        self.nodes = nodes
        self.bitmaps = bitmaps
        self.key_of = {node.value: key for key, node in nodes.items()}
        self._labels = {}

    def labels(self):
        """{key: its label as text in the page's language}, worked out once per language
        for the life of the index: a lazy label is translated again each time it is read
        (a page sorts and shows up to 2,000 institutions' labels)."""
        language = get_language()
        if language not in self._labels:
            self._labels[language] = {key: str(node.label) for key, node in self.nodes.items()}
        return self._labels[language]

    def union(self, values):
        """The instruments with any of `values` (as the URL carries them)."""
        keys = [self.key_of[value] for value in values if value in self.key_of]
        return BitMap.union(BitMap(), *(self.bitmaps.get(key, BitMap()) for key in keys))

    def counts(self, within):
        """{key: how many of `within` have the value}."""
        return {
            key: within.intersection_cardinality(bitmap) for key, bitmap in self.bitmaps.items()
        }

    def top(self, within, wanted):
        """{key: count} for the `wanted` values most of `within` have (ties by label):
        values are tried largest first, and once one cannot beat the last of those found,
        neither can any smaller one, so a long tail is never counted. A few instruments
        are counted from their own values instead (every value they have)."""
        if len(within) <= FEW:
            return self.counts_of_few(within)
        found = {}
        best = []  # a min-heap of the `wanted` largest counts so far
        for key in self.by_size:
            bitmap = self.bitmaps[key]
            if len(best) == wanted and len(bitmap) < best[0]:
                break
            if count := within.intersection_cardinality(bitmap):
                found[key] = count
                if len(best) < wanted:
                    heapq.heappush(best, count)
                elif count > best[0]:
                    heapq.heapreplace(best, count)
        return found

    @cached_property
    def by_size(self):
        return sorted(self.bitmaps, key=lambda key: -len(self.bitmaps[key]))

    def counts_of_few(self, within):
        """{key: count} of every value the instruments of `within` have."""
        offsets, values, keys = self.values_by_position
        found = defaultdict(int)
        for position in within:
            if position + 1 < len(offsets):
                for value in values[offsets[position] : offsets[position + 1]].tolist():
                    found[keys[value]] += 1
        return dict(found)

    @cached_property
    def values_by_position(self):
        """Each instrument's values, as arrays (offsets, values) and the keys they index:
        those of the instrument at position p are values[offsets[p]:offsets[p + 1]], each
        the index of its key in `keys`."""
        arrays = [np.array(bitmap.to_array(), dtype=np.int64) for bitmap in self.bitmaps.values()]
        positions = np.concatenate([np.zeros(0, dtype=np.int64), *arrays])
        values = np.repeat(np.arange(len(arrays)), [len(array) for array in arrays])
        order = np.argsort(positions, kind="stable")
        size = int(positions.max()) + 1 if len(positions) else 0
        offsets = np.searchsorted(positions[order], np.arange(size + 1))
        return offsets, values[order], list(self.bitmaps)


def subtree_bitmaps(nodes, own):
    """Each node's bitmap with those of every node beneath it."""
    children = defaultdict(list)
    for node in nodes.values():
        children[node.parent].append(node.key)
    whole = {}

    def collect(key):
        if key not in whole:
            whole[key] = BitMap.union(own.get(key, BitMap()), *map(collect, children[key]))
        return whole[key]

    for key in nodes:
        collect(key)
    return whole


class CatalogueIndex:
    """See the module's docstring."""

    def __init__(self, instruments, links):
        self.pks = np.array([row["pk"] for row in instruments], dtype=np.int64)
        self.position_of = {pk: position for position, pk in enumerate(self.pks.tolist())}
        status = PublicationStatus.PUBLISHED
        self.published = BitMap(
            p for p, row in enumerate(instruments) if row["publication_status"] == status
        )
        self.all = BitMap(range(len(instruments)))
        self.dated = BitMap(p for p, row in enumerate(instruments) if row["start_date"])
        self.start_year = date_array(instruments, "start_date", lambda d: d.year, NO_YEAR)
        self.end_year = date_array(instruments, "end_date", lambda d: d.year, OPEN_END)
        self.start_day = date_array(instruments, "start_date", lambda d: d.toordinal(), 0)
        self.end_day = date_array(instruments, "end_date", lambda d: d.toordinal(), 0)
        links.locate(self)
        self.facets = links.facets(instruments)
        self.practice_counts = links.practice_counts()
        self._remembered = {}
        self.text = TextIndex(
            (instrument_document(row) for row in instruments),
            [
                *(FieldIndex.from_rows(self.texts(column)) for column in TEXT_COLUMNS),
                links.linked_field(links.linked_names(self)),
                links.linked_field(links.linked_context(self)),
            ],
        )

    @classmethod
    def build(cls, _snapshot=None):
        """The index of the database as it is now."""
        instruments = list(Instrument.objects.order_by("pk").values(*INSTRUMENT_COLUMNS))
        return cls(instruments, Links.load())

    def __len__(self):
        return len(self.pks)

    def remembered(self, key, compute):
        """`compute()`, worked out once for the life of this index (one revision) per
        `key`: what every page of a scope shares (catalogue/facets.py). Keys name records
        (a group's pk) and languages, never what a URL carries, so they stay few."""
        if key not in self._remembered:
            self._remembered[key] = compute()
        return self._remembered[key]

    def texts(self, column):
        """(position, text) of every instrument's analyzed `column`, read from the
        database a chunk at a time: 100,000 records' text is never held at once."""
        rows = Instrument.objects.order_by("pk").values_list("pk", column)
        for pk, text in rows.iterator(chunk_size=TEXT_CHUNK):
            if pk in self.position_of:  # not one added since this index's rows were read
                yield self.position_of[pk], text

    def positions(self, pks):
        return BitMap(self.position_of[pk] for pk in pks if pk in self.position_of)

    def years(self, first=None, last=None):
        """Dated instruments whose period overlaps the years given (either may be open)."""
        keep = np.ones(len(self), dtype=bool)
        if first is not None:
            keep &= self.end_year >= first
        if last is not None:
            keep &= self.start_year <= last
        return self.dated & BitMap(np.flatnonzero(keep).astype(np.uint32))

    def date_span(self, positions):
        """{"first": the earliest start, "last": the latest end or start} of `positions`."""
        order = as_indices(positions)
        if not len(order):
            return {"first": None, "last": None}
        starts = self.start_day[order]
        ends = np.where(self.end_day[order] > 0, self.end_day[order], starts)
        return {
            "first": datetime.date.fromordinal(int(starts.min())),
            "last": datetime.date.fromordinal(int(ends.max())),
        }

    def by_date(self, positions, descending=False):
        """`positions` by start date, latest first when `descending` (undated last), then
        by name."""
        order = as_indices(positions)
        day = self.start_day[order]
        keys = (self.text.sort_rank[order], -day if descending else day, day == 0)
        return order[np.lexsort(keys)]


SPANISH_NAME = spanish_name("name")
NAMES = (SPANISH_NAME, english_name("name"))


def labelled(queryset, *columns):
    """The rows of `columns` of `queryset`, a (Spanish, English) pair of columns read as
    one label in the language of the page that shows it: the index outlives a request,
    and serves readers of both languages. Columns are named in full (`name_es_mx`), so
    that the reading does not depend on the language of the request that builds it."""
    flat = []
    for column in columns:
        flat.extend(column if isinstance(column, tuple) else [column])
    return [label_row(columns, iter(values)) for values in queryset.values_list(*flat)]


def label_row(columns, values):
    return tuple(
        in_language(next(values), next(values)) if isinstance(column, tuple) else next(values)
        for column in columns
    )


def load_named():
    """The groups, places, institutions and areas instruments link to: (groups, places,
    institutions, areas), each a list of rows with a label in either language."""
    groups = labelled(
        TargetGroup.objects.order_by(SPANISH_NAME), "pk", "slug", NAMES, "parent_id", "search_a"
    )
    # The name's terms as well, in both languages, for the search (Links.linked_names).
    places = [
        (pk, code, in_language(spanish, english), country, place_terms(spanish, english))
        for pk, code, spanish, english, country in Place.objects.order_by(SPANISH_NAME).values_list(
            "pk", "code", *NAMES, "country_id"
        )
    ]
    institutions = labelled(
        Institution.objects.order_by(SPANISH_NAME), "pk", "slug", NAMES, "acronym", "search_a"
    )
    titles = (spanish_name("title"), english_name("title"))
    areas = labelled(
        ThematicArea.objects.order_by("number"), "pk", "number", titles, "search_a", "search_b"
    )
    return groups, places, institutions, areas


def place_terms(spanish, english):
    return f"{analyze(spanish)} {analyze_english(english or '')}".strip()


def date_array(rows, column, part, missing):
    return np.array([part(row[column]) if row[column] else missing for row in rows])


def instrument_document(row):
    return Document(
        pk=row["pk"],
        fields=("", "", "", "", ""),
        key=row["search_key"],
        acronym=acronym_term(row["acronym"]),
        sort_name=row["search_key"],
    )


class Links:
    """What instruments link to, read in a handful of queries, and turned into facets and
    the instruments' linked text."""

    @classmethod
    def load(cls):
        links = cls()
        links.groups, links.places, links.institutions, links.areas = load_named()
        links.practices = list(
            Practice.objects.published().values_list(
                "pk", "area_id", "search_a", "search_b", "search_c"
            )
        )
        links.objectives, links.targets, compact_pairs = load_compact()
        field = Instrument._meta.get_field
        links.pairs = {
            "grupo": field("target_groups").remote_field.through.objects.values_list(
                "instrument_id", "targetgroup_id"
            ),
            "lugar": field("places").remote_field.through.objects.values_list(
                "instrument_id", "place_id"
            ),
            "institucion": Participation.objects.values_list("instrument_id", "institution_id"),
            "practica": Practice.instruments.through.objects.values_list(
                "instrument_id", "practice_id"
            ),
            **compact_pairs,
        }
        return links

    def locate(self, index):
        """The instruments of each linked record, as positions in `index`:
        {relation: {record's pk: BitMap}}."""
        self.own = {}
        for relation, pairs in self.pairs.items():
            found = defaultdict(list)
            for instrument, key in pairs:
                if instrument in index.position_of:
                    found[key].append(index.position_of[instrument])
            self.own[relation] = {key: BitMap(positions) for key, positions in found.items()}
        published = {pk for pk, *_rest in self.practices}
        self.practice_bitmaps = {
            pk: bitmap for pk, bitmap in self.own["practica"].items() if pk in published
        }

    def practice_counts(self):
        """{area's pk: how many published practices it has}."""
        counts = defaultdict(int)
        for _pk, area, *_text in self.practices:
            counts[area] += 1
        return dict(counts)

    # Facets --------------------------------------------------------------------------

    def facets(self, instruments):
        areas = defaultdict(BitMap)
        for pk, area, *_text in self.practices:
            areas[area] |= self.practice_bitmaps.get(pk, BitMap())
        group_nodes = {
            pk: Node(pk, slug, name, parent) for pk, slug, name, parent, _ in self.groups
        }
        place_nodes = {
            pk: Node(pk, code, name, country) for pk, code, name, country, _ in self.places
        }
        return {
            "area": Facet(
                {
                    pk: Node(pk, str(number), format_lazy("{}. {}", number, title))
                    for pk, number, title, *_text in self.areas
                },
                dict(areas),
            ),
            "tipo": choice_facet([row["kind"] for row in instruments], InstrumentKind.choices),
            "estado": choice_facet(statuses(instruments), Status.choices),
            "grupo": Facet(group_nodes, subtree_bitmaps(group_nodes, self.own["grupo"])),
            "lugar": Facet(place_nodes, subtree_bitmaps(place_nodes, self.own["lugar"])),
            "institucion": Facet(
                {
                    pk: Node(pk, slug, name, acronym=acronym)
                    for pk, slug, name, acronym, _ in self.institutions
                },
                self.own["institucion"],
            ),
            **compact_facets(self),
        }

    # Linked text ---------------------------------------------------------------------

    @staticmethod
    def linked_field(texts):
        """A field from (analyzed text, the instruments it is linked to) pairs: {term: the
        instruments linked to a text holding it}, and the same for adjacent terms."""
        terms, pairs = defaultdict(list), defaultdict(list)
        for text, positions in texts:
            if positions:
                words = text.split()
                for term in set(words):
                    terms[term].append(positions)
                for first, second in set(pairwise(words)):
                    pairs[f"{first} {second}"].append(positions)
        return FieldIndex(
            {term: BitMap.union(*found) for term, found in terms.items()},
            {pair: BitMap.union(*found) for pair, found in pairs.items()},
        )

    def linked_names(self, index):
        """The names an instrument is linked to: its groups (and those above them), its
        places (and their countries), its institutions (with their acronyms), its
        published practices' titles and summaries, its areas' titles, its years."""
        facets = index.facets
        for pk, _slug, _name, _parent, text in self.groups:
            yield text, facets["grupo"].bitmaps.get(pk)
        for pk, _code, _label, _country, terms in self.places:
            yield terms, facets["lugar"].bitmaps.get(pk)
        for pk, _slug, _name, _acronym, text in self.institutions:
            yield text, self.own["institucion"].get(pk)
        for pk, _area, title, summary, _body in self.practices:
            for text in (title, summary):
                yield text, self.practice_bitmaps.get(pk)
        for pk, _number, _title, title, _text in self.areas:
            yield title, facets["area"].bitmaps.get(pk)
        for years in (index.start_year, index.end_year):
            for year in set(years.tolist()) - {NO_YEAR, OPEN_END}:
                yield str(year), BitMap(np.flatnonzero(years == year).astype(np.uint32))

    def linked_context(self, index):
        """The longer texts an instrument belongs to: its practices' and areas' text."""
        for pk, _area, _title, _summary, body in self.practices:
            yield body, self.practice_bitmaps.get(pk)
        for pk, _number, _title, _heading, text in self.areas:
            yield text, index.facets["area"].bitmaps.get(pk)


def load_compact():
    """The Global Compact's objectives, the SDG targets, and which instruments serve them
    (the editorial crosswalk of the compact app): (objectives, targets, pairs)."""
    objectives = list(
        Objective.objects.values_list("pk", "number", "short_title_es", "short_title_en")
    )
    targets = list(SDGTarget.objects.values_list("pk", "code"))
    pairs = {
        "objetivo": ObjectiveLink.objects.filter(instrument__isnull=False).values_list(
            "instrument_id", "objective_id"
        ),
        "ods": ObjectiveLink.sdg_targets.through.objects.filter(
            objectivelink__instrument__isnull=False
        ).values_list("objectivelink__instrument_id", "sdgtarget_id"),
    }
    return objectives, targets, pairs


def compact_facets(links):
    """The facets of the objectives and the SDG targets the instruments serve."""
    objectives = {
        pk: Node(pk, str(number), objective_label(number, spanish, english))
        for pk, number, spanish, english in links.objectives
    }
    targets = {pk: Node(pk, code, code) for pk, code in links.targets}
    return {
        "objetivo": Facet(objectives, links.own["objetivo"]),
        "ods": Facet(targets, links.own["ods"]),
    }


def _objective_label(number, spanish, english):
    return f"{number}. {english if official_language() == 'en' else spanish}"


# The index outlives a request: labels in two languages are worked out when shown, in the
# language of the page that shows them, not in that of the request that built the index.
objective_label = lazy(_objective_label, str)


def choice_facet(values, choices):
    """A facet over a column with choices, from each position's value."""
    positions = defaultdict(list)
    for position, value in enumerate(values):
        positions[value].append(position)
    nodes = {key: Node(key, key, label) for key, label in choices}
    return Facet(nodes, {key: BitMap(positions.get(key, ())) for key in nodes})


def statuses(instruments):
    """Each instrument's status as its source states it ("" when none does: nothing is
    derived from the dates)."""
    return [row["stated_status"] for row in instruments]
