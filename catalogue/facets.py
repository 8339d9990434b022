"""The catalogue's facet counts, active-filter chips and loosening suggestions.

Facets are disjunctive: the values ticked within one facet combine with OR, facets
combine with AND, and each facet's counts apply every *other* active filter, so an
option's count says how many results ticking it would give.
"""

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count

from core.records import PublicationStatus
from core.trees import children_map
from practices.models import Practice, ThematicArea
from programs.models import InstrumentKind, Participation, Place, Status, TargetGroup

FACETS = ("area", "tipo", "grupo", "institucion", "lugar", "estado")
INSTITUTION_OPTIONS = 15


@dataclass
class Option:
    value: str
    label: str
    count: int
    selected: bool
    depth: int = 0


@dataclass
class Facet:
    name: str
    label: str
    options: list = field(default_factory=list)

    @property
    def selected(self):
        return [option for option in self.options if option.selected]


@dataclass
class Chip:
    label: str
    remove_query: str


class FacetCounter:
    """Counts the facets of one filtered catalogue (`filterset`, an InstrumentFilter)."""

    def __init__(self, filterset):
        self.filterset = filterset
        self.cleaned = filterset.cleaned
        self.result_count = None

    def facets(self, names=FACETS):
        """The facets `names`, in that order, and the number of results when counting
        them told it (kind and status share one query that covers every result), else
        None. Each facet costs one or two grouped queries, whatever the number of results."""
        built = {}
        for name in names:
            if name in built:
                continue
            if name in ("tipo", "estado"):
                built.update(self._kind_and_status())
            else:
                count = {
                    "area": self._areas,
                    "grupo": lambda: self._tree("grupo", TargetGroup, "slug"),
                    "institucion": self._institutions,
                    "lugar": lambda: self._tree("lugar", Place, "code"),
                }[name]
                built[name] = count()
        return [built[name] for name in names], self.result_count

    def _facet(self, name, rows, labels_of_missing=None):
        """A facet from (value, label, count[, depth]) rows. Options with no results are
        left out, but a ticked value always shows, so that it can be unticked:
        `labels_of_missing` names the ticked values that no row has."""
        selected = set(self.filterset.data.getlist(name))
        facet = Facet(name, self.filterset.filters[name].label)
        for value, label, count, *depth in rows:
            value = str(value)
            if count or value in selected:
                facet.options.append(Option(value, label, count, value in selected, *depth))
        missing = selected - {option.value for option in facet.options}
        if missing and labels_of_missing and self.cleaned.get(name):
            for value, label in labels_of_missing(missing).items():
                facet.options.append(Option(value, label, 0, True))
        return facet

    def _areas(self):
        rows = (
            Practice.instruments.through.objects.filter(
                instrument__in=self.filterset.without("area").values("pk"),
                practice__publication_status=PublicationStatus.PUBLISHED,
            )
            .values_list("practice__area__number", "practice__area__title")
            .annotate(count=Count("instrument", distinct=True))
            .order_by("practice__area__number")
        )

        def labels(numbers):
            areas = ThematicArea.objects.filter(number__in=numbers)
            return {str(area.number): str(area) for area in areas}

        return self._facet(
            "area", [(number, f"{number}. {title}", n) for number, title, n in rows], labels
        )

    def _kind_and_status(self):
        """Both facets from one query grouped by kind and status, over the results without
        either filter: each facet's counts then apply the other's filter. The rows that
        pass both filters are the results, which gives their number."""
        rows = (
            self.filterset.without("tipo", "estado")
            .with_status()
            .order_by()
            .values_list("kind", "current_status")
            .annotate(count=Count("pk"))
        )
        kinds_ticked = set(self.cleaned.get("tipo") or ())
        statuses_ticked = set(self.cleaned.get("estado") or ())
        kinds, statuses, total = Counter(), Counter(), 0
        for kind, status, count in rows:
            kind_kept = not kinds_ticked or kind in kinds_ticked
            status_kept = not statuses_ticked or status in statuses_ticked
            kinds[kind] += count if status_kept else 0
            statuses[status] += count if kind_kept else 0
            total += count if kind_kept and status_kept else 0
        self.result_count = total
        return {
            "tipo": self._facet(
                "tipo", [(k, label, kinds[k]) for k, label in InstrumentKind.choices]
            ),
            "estado": self._facet(
                "estado", [(s, label, statuses[s]) for s, label in Status.choices]
            ),
        }

    def _institutions(self):
        """The institutions with most results (a long tail would bury the panel), and
        the ticked ones, wherever they rank."""
        counts = (
            Participation.objects.filter(
                instrument__in=self.filterset.without("institucion").values("pk")
            )
            .values_list("institution__slug", "institution__name", "institution__acronym")
            .annotate(count=Count("instrument", distinct=True))
            .order_by("-count", "institution__name")
        )
        rows = list(counts[:INSTITUTION_OPTIONS])
        # The slugs the form accepted, not the raw ones: a raw value reaches the database
        # as it came, and PostgreSQL refuses text with a NUL byte in it.
        accepted = self.cleaned.get("institucion") or ()
        ticked = {institution.slug for institution in accepted} - {slug for slug, *_ in rows}
        if ticked:
            rows += counts.filter(institution__slug__in=ticked)
        return self._facet(
            "institucion",
            [(slug, acronym or name, n) for slug, name, acronym, n in rows],
            labels_of_missing=lambda slugs: {
                institution.slug: institution.acronym or institution.name
                for institution in accepted
                if institution.slug in slugs
            },
        )

    def _tree(self, name, model, key):
        """A facet over a tree (groups and sub-groups, countries and their states): a node
        counts each result of its whole subtree once, as its filter includes the subtree."""
        tree = model.objects.order_by("name")
        nodes = tree.counted(self.filterset.without(name))
        children = children_map(nodes, tree.parent_field)
        rows = []

        def walk(node, depth):
            rows.append((getattr(node, key), node.name, node.instrument_count, depth))
            for child in children[node.pk]:
                walk(child, depth + 1)

        for root in children[None]:
            walk(root, 0)
        return self._facet(name, rows)


def query_without(data, name, value=None):
    """The query string of `data` without the parameter `name` (or only its `value`), and
    back on the first page."""
    query = data.copy()
    if value is None:
        query.pop(name, None)
    else:
        query.setlist(name, [other for other in query.getlist(name) if other != value])
    query.pop("pagina", None)
    return query.urlencode()


def chips(filterset, facets):
    """One removable chip per active filter value; ignored (invalid) filters have none."""
    cleaned, data = filterset.cleaned, filterset.data
    found = []
    for facet in facets:
        if cleaned.get(facet.name):
            for option in facet.selected:
                label = f"{facet.label}: {option.label}"
                found.append(Chip(label, query_without(data, facet.name, option.value)))
    if cleaned.get("q"):
        label = f"{filterset.filters['q'].label}: «{cleaned['q']}»"
        found.append(Chip(label, query_without(data, "q")))
    for name in ("desde", "hasta"):
        if cleaned.get(name) is not None:
            label = f"{filterset.filters[name].label}: {cleaned[name]}"
            found.append(Chip(label, query_without(data, name)))
    return found


def loosening(filterset):
    """For an empty result: each active filter whose removal alone would give results,
    with how many, most results first."""
    suggestions = []
    for name in filterset.active():
        count = filterset.without(name).count()
        if count:
            label = filterset.filters[name].label
            suggestions.append((label, count, query_without(filterset.data, name)))
    return sorted(suggestions, key=lambda suggestion: -suggestion[1])
