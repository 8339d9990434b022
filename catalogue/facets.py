"""The catalogue's facet counts, active-filter chips and loosening suggestions, from the
index (catalogue/index.py).

Facets are disjunctive: the values ticked within one facet combine with OR, facets
combine with AND, and each facet's counts apply every *other* active filter, so an
option's count says how many results ticking it would give. Each count is the size of an
intersection of two bitmaps.
"""

import heapq
from dataclasses import dataclass, field
from functools import cached_property

from django.utils.formats import localize
from django.utils.translation import get_language, ngettext
from pyroaring import BitMap

from .filters import FACETS

INSTITUTION_OPTIONS = 15
# Options a facet shows at once; the rest open in place behind «ver N más».
VISIBLE_OPTIONS = 8
# Trees show their nodes nested; the others, in their own order.
TREES = ("grupo", "lugar")


@dataclass
class Option:
    value: str
    label: str
    count: int
    selected: bool
    depth: int = 0

    # Both worked out once: a whole scope's options are kept (count_facets), in the
    # language they were made in, and shown again on each of its pages.
    @cached_property
    def count_shown(self):
        """The count as the page's language writes numbers (the site's format settings)."""
        return localize(self.count)

    @cached_property
    def count_text(self):
        """The count as a screen reader says it ("6 resultados")."""
        return ngettext("%(counter)s resultado", "%(counter)s resultados", self.count) % {
            "counter": self.count
        }


@dataclass
class Facet:
    name: str
    label: str
    options: list = field(default_factory=list)

    @property
    def selected(self):
        return [option for option in self.options if option.selected]

    @property
    def first(self):
        return self.options[:VISIBLE_OPTIONS]

    @property
    def more(self):
        """The options behind «ver N más», shown open when one of them is ticked."""
        return self.options[VISIBLE_OPTIONS:]

    @property
    def more_ticked(self):
        return any(option.selected for option in self.more)


@dataclass
class Chip:
    """An active filter value, and what the filter form sends to remove it. Its label is
    in the page's language, as every facet's values are (catalogue/index.py)."""

    filter_label: str
    value_label: str
    remove: str

    @property
    def label(self):
        return f"{self.filter_label}: {self.value_label}"


def count_facets(search, names=FACETS):
    """The facets `names` of `search` (a CatalogueSearch), in that order. Those of a whole
    scope (nothing searched for or filtered: the catalogue, a group's page) are the same
    on each of its pages and in each order until the next revision, so they are counted
    once per index, scope and language, and shared: nothing changes them once made."""
    if search.unfiltered:
        key = ("facets", search.scope_key, tuple(names), get_language())
        return search.index.remembered(key, lambda: [facet(search, name) for name in names])
    return [facet(search, name) for name in names]


def facet(search, name):
    """One facet: its options with results, and every ticked one, so that it can be
    unticked (ticked institutions show whatever their rank)."""
    index_facet = search.index.facets[name]
    within = search.without(name)
    ticked = set(search.filterset.values(name))
    if name == "institucion":
        counts = index_facet.top(within, INSTITUTION_OPTIONS)
        ticked_keys = [index_facet.key_of[v] for v in ticked if v in index_facet.key_of]
        counts |= {
            key: within.intersection_cardinality(index_facet.bitmaps.get(key, BitMap()))
            for key in ticked_keys
        }
    else:
        counts = index_facet.counts(within)
    keys = ordered_keys(index_facet, counts, name, ticked)
    found = Facet(name, search.filterset.filters[name].label)
    depths = tree_depths(index_facet) if name in TREES else {}
    labels = index_facet.labels()
    for key in keys:
        node = index_facet.nodes[key]
        if counts.get(key) or node.value in ticked:
            label = node.acronym or labels[key]
            option = Option(node.value, label, counts.get(key, 0), node.value in ticked)
            option.depth = depths.get(key, 0)
            found.options.append(option)
    return found


def ordered_keys(index_facet, counts, name, ticked):
    if name in TREES:
        return walk_tree(index_facet)
    if name == "institucion":
        labels = index_facet.labels()
        shown = heapq.nsmallest(
            INSTITUTION_OPTIONS,
            (key for key in counts if counts[key]),
            key=lambda key: (-counts[key], labels[key]),
        )
        return shown + [
            key
            for key in index_facet.nodes
            if index_facet.nodes[key].value in ticked and key not in shown
        ]
    return list(index_facet.nodes)


def walk_tree(index_facet):
    """The keys of a tree's nodes, each parent followed by its children, by name."""
    children = {}
    for key, node in index_facet.nodes.items():
        children.setdefault(node.parent, []).append(key)
    order = []

    def walk(key):
        order.append(key)
        for child in children.get(key, ()):
            walk(child)

    for root in children.get(None, ()):
        walk(root)
    return order


def tree_depths(index_facet):
    depths = {}
    for key in walk_tree(index_facet):
        parent = index_facet.nodes[key].parent
        depths[key] = depths[parent] + 1 if parent in depths else 0
    return depths


def chips(filterset, facets):
    """One removable chip per active filter value; ignored (invalid) filters have none.
    Each carries only what it removes ("grupo=mujeres"): the filter form carries the
    rest, so the page does not repeat the whole query once per chip."""
    cleaned = filterset.cleaned
    found = []
    for shown in facets:
        for option in shown.selected if cleaned.get(shown.name) else ():
            remove = f"{shown.name}={option.value}"
            found.append(Chip(shown.label, option.label, remove))
    if cleaned.get("q"):
        found.append(Chip(filterset.filters["q"].label, f"«{cleaned['q']}»", "q"))
    for name in ("desde", "hasta"):
        if cleaned.get(name) is not None:
            found.append(Chip(filterset.filters[name].label, str(cleaned[name]), name))
    return found


def loosening(search):
    """For an empty result: each active filter whose removal alone would give results,
    with how many, most results first."""
    filterset = search.filterset
    suggestions = []
    for name in filterset.active():
        if count := search.count_without(name):
            suggestions.append((filterset.filters[name].label, count, name))
    return sorted(suggestions, key=lambda suggestion: -suggestion[1])
