"""A catalogue request answered from the index (catalogue/index.py): which instruments
match its search and filters, in what order, and the sets each facet is counted over.

Values of one parameter combine with OR, different parameters with AND; each facet is
counted over the results of every *other* filter (disjunctive facets). The search is
matched once, over the page's scope, and every filter is then an intersection.
"""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

from pyroaring import BitMap

from core.search import engine
from programs.models import Instrument

# "objetivo 7" (or "objective 7"): an objective of the Global Compact; "ODS 10.7",
# "SDG 8.8", "meta 10.c" (or "target 10.7"): an SDG target. They filter, as the facets do.
OBJECTIVE_REFERENCE = re.compile(r"\b(?:objetivo|objective)\s+(\d{1,2})\b", re.IGNORECASE)
TARGET_REFERENCE = re.compile(
    r"\b(?:ods|sdg|meta|target)\s+(\d{1,2}\.(?:\d{1,2}|[a-z]))(?![\w.])", re.IGNORECASE
)


class Scope(NamedTuple):
    """The part of the index a page covers: `key` names it for the life of an index (one
    revision), and `positions(index)` gives its instruments."""

    key: tuple
    positions: Callable


def group_scope(pk):
    """A target group's page: the instruments for the group or any of its subgroups."""
    return Scope(("grupo", pk), lambda index: index.facets["grupo"].bitmaps.get(pk, BitMap()))


DATED = Scope(("fechados",), lambda index: index.dated)


@dataclass
class References:
    """What a search names of the Global Compact: `text` is the rest of the search."""

    text: str
    objectives: list = field(default_factory=list)
    targets: list = field(default_factory=list)


def compact_references(text, objectives, targets):
    """The references in `text` to objectives (among the numbers `objectives`) and SDG
    targets (among the codes `targets`); a reference to neither stays a word."""
    found = References(text)

    def take(kept, values, transform=str):
        def replace(match):
            value = transform(match.group(1))
            if value not in values:
                return match.group(0)
            kept.append(value)
            return " "

        return replace

    found.text = OBJECTIVE_REFERENCE.sub(
        take(found.objectives, objectives, lambda number: str(int(number))), found.text
    )
    found.text = TARGET_REFERENCE.sub(take(found.targets, targets, str.lower), found.text)
    found.text = " ".join(found.text.split())
    return found


class CatalogueSearch:
    """The catalogue as `filterset` asks for it (an InstrumentFilter: its search query,
    its `selections()` by facet, its years and sort), within `scope` (a Scope, or None for
    every published instrument)."""

    def __init__(self, filterset, scope=None):
        self.filterset = filterset
        self.index = engine.snapshot().index(Instrument)
        self.scope_key = scope.key if scope else None
        within = scope.positions(self.index) if scope else self.index.all
        self.scope = self.index.published & within
        self.query = filterset.search_query
        self.match = self.index.text.match(self.query, within=self.scope) if self.query else None
        self.found = self.match.positions if self.match else self.scope
        references = filterset.references
        for facet, values in (("objetivo", references.objectives), ("ods", references.targets)):
            if values:
                self.found = self.found & self.index.facets[facet].union(values)

    @cached_property
    def filters(self):
        """{parameter: the positions its values select}, for the valid, active filters."""
        selected = {
            name: self.index.facets[name].union(values)
            for name, values in self.filterset.selections().items()
        }
        first, last = self.filterset.cleaned.get("desde"), self.filterset.cleaned.get("hasta")
        if first is not None or last is not None:
            selected["anios"] = self.index.years(first, last)
        return selected

    @property
    def unfiltered(self):
        """Whether the results are the whole scope: nothing searched for, nothing filtered."""
        return self.found is self.scope and not self.filters

    def without(self, *names):
        """The results with every filter applied except those `names`."""
        return BitMap.intersection(
            self.found, *(bitmap for name, bitmap in self.filters.items() if name not in names)
        )

    @cached_property
    def positions(self):
        return self.without()

    def count_without(self, parameter):
        """How many results there would be without the URL parameter `parameter`."""
        if parameter == "q":
            return len(BitMap.intersection(self.scope, *self.filters.values()))
        if parameter in ("desde", "hasta"):
            cleaned = self.filterset.cleaned
            kept = cleaned.get("hasta" if parameter == "desde" else "desde")
            years = self.index.years(
                kept if parameter == "hasta" else None, kept if parameter == "desde" else None
            )
            other = self.without("anios")
            return len(other & years) if kept is not None else len(other)
        return len(self.without(parameter))

    @property
    def partial(self):
        """Whether the results include records that match only most of the words."""
        return bool(self.match and self.match.partial)

    @property
    def complete(self):
        """Whether some results match every word (those come first)."""
        return bool(self.match and self.match.complete)

    def ordered(self):
        """The results' positions in the order asked for: by relevance when searching
        (unless another order is asked), by name or by date."""
        sort = self.filterset.cleaned.get("orden") or ""
        text = self.index.text
        if self.match and sort in ("", "relevancia"):
            return text.ranked(self.match, self.positions)
        if sort.lstrip("-") == "fecha":
            return self.index.by_date(self.positions, descending=sort.startswith("-"))
        return text.by_name(self.positions, descending=sort == "-nombre")

    def results(self, queryset=None):
        return Results(self.index, self.ordered(), queryset)

    def latest(self, count):
        """The `count` results changed last, newest first (for a feed): the published
        instruments read by date of change, as primary keys only, until `count` of them
        are among the results."""
        position_of, positions, pks = self.index.position_of, self.positions, []
        changed = Instrument.objects.published().order_by("-updated_at", "-pk")
        for pk in changed.values_list("pk", flat=True).iterator(chunk_size=2000):
            position = position_of.get(pk)
            if position is not None and position in positions:
                pks.append(pk)
                if len(pks) == count:
                    break
        found = Instrument.objects.in_bulk(pks)
        return [found[pk] for pk in pks if pk in found]


class Results(Sequence):
    """Instruments in a given order, as a sequence that Django's Paginator (and anything
    that slices) can page: only the records asked for are read from the database."""

    def __init__(self, index, order, queryset=None):
        self.index, self.order = index, order
        self.queryset = Instrument.objects.all() if queryset is None else queryset

    def __len__(self):
        return len(self.order)

    def count(self):
        return len(self.order)

    def pks(self, item=slice(None)):
        return self.index.pks[self.order[item]].tolist()

    def __getitem__(self, item):
        if not isinstance(item, slice):
            return self[item : item + 1][0] if item >= 0 else self[len(self) + item]
        pks = self.pks(item)
        found = self.queryset.in_bulk(pks)
        return [found[pk] for pk in pks if pk in found]

    def __iter__(self):
        chunk = 500
        for start in range(0, len(self), chunk):
            yield from self[start : start + chunk]
