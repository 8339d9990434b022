"""The catalogue's filters, facet counts and active-filter chips.

Facets are disjunctive: the values ticked within one facet combine with OR, facets
combine with AND, and each facet's counts apply every *other* active filter, so an
option's count says how many results ticking it would give.

Invalid values never reach the ORM: the form rejects them, the filter is ignored and
the page names it (`InstrumentFilter.errors`).
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

import django_filters
from django import forms
from django.db.models import Count, F, QuerySet
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from . import search
from .models import (
    Institution,
    Instrument,
    InstrumentKind,
    Participation,
    Place,
    PublicationStatus,
    Status,
    TargetGroup,
)

FACETS = ("area", "tipo", "grupo", "institucion", "lugar", "estado")
INSTITUTION_OPTIONS = 15
AREA_NUMBERS = [(str(number), str(number)) for number in range(1, 7)]


def asks_for_something(value):
    """Whether a filter's cleaned value narrows the results: an empty choice does not,
    whether a list or (from a model choice) an empty queryset."""
    if isinstance(value, list | QuerySet):
        return bool(value)  # a cleaned queryset is already evaluated: no query
    return value not in (None, "")


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


class YearFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class InstrumentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Búsqueda"), method="filter_search", max_length=200)
    area = django_filters.MultipleChoiceFilter(
        label=_("Área temática"), choices=AREA_NUMBERS, method="filter_areas"
    )
    tipo = django_filters.MultipleChoiceFilter(
        label=_("Tipo"), field_name="kind", choices=InstrumentKind.choices
    )
    grupo = django_filters.ModelMultipleChoiceFilter(
        label=_("Grupo de población"),
        queryset=TargetGroup.objects.all(),
        to_field_name="slug",
        method="filter_groups",
    )
    institucion = django_filters.ModelMultipleChoiceFilter(
        label=_("Institución"),
        queryset=Institution.objects.all(),
        to_field_name="slug",
        method="filter_institutions",
    )
    lugar = django_filters.ModelMultipleChoiceFilter(
        label=_("Lugar"), queryset=Place.objects.all(), to_field_name="code", method="filter_places"
    )
    estado = django_filters.MultipleChoiceFilter(
        label=_("Estado"), choices=Status.choices, method="filter_statuses"
    )
    desde = YearFilter(
        label=_("Desde el año"), min_value=1900, max_value=2100, method="filter_from"
    )
    hasta = YearFilter(label=_("Hasta el año"), min_value=1900, max_value=2100, method="filter_to")
    orden = django_filters.ChoiceFilter(
        label=_("Ordenar por"),
        choices=[
            ("relevancia", _("relevancia")),
            ("nombre", _("nombre (A–Z)")),
            ("-nombre", _("nombre (Z–A)")),
            ("-fecha", _("fecha (más recientes primero)")),
            ("fecha", _("fecha (más antiguos primero)")),
        ],
        method="sort",
        empty_label=None,
    )

    class Meta:
        model = Instrument
        fields = []

    def __init__(self, data=None, *args, **kwargs):
        # A select's "all" option (the timeline's «Todos») sends its name with no value:
        # that asks for nothing, and the multiple-choice fields would call it invalid.
        if data is not None:
            data = data.copy()
            for name, values in list(data.lists()):
                if kept := [value for value in values if value]:
                    data.setlist(name, kept)
                else:
                    del data[name]
        super().__init__(data, *args, **kwargs)

    # How many results there are, known once the kind and status facets are counted (their
    # query covers every result), so that paginating needs no count of its own.
    result_count = None

    # Filters -----------------------------------------------------------------

    @cached_property
    def search_query(self):
        """The words searched for, parsed once (see programs/search.py)."""
        self.errors  # noqa: B018 - validates the form, filling cleaned_data
        return search.parse(self.form.cleaned_data.get("q") or "")

    @property
    def qs(self):
        """The results; when searching, by relevance unless another order is asked for."""
        results = super().qs
        if self.search_query and self.form.cleaned_data.get("orden") in (None, "", "relevancia"):
            results = search.ranked(results)
        return results

    def filter_search(self, queryset, name, value):
        return queryset.search(self.search_query)

    def filter_areas(self, queryset, name, value):
        return queryset.in_areas(value) if value else queryset

    def filter_groups(self, queryset, name, value):
        return queryset.for_target_groups(value) if value else queryset

    def filter_institutions(self, queryset, name, value):
        return queryset.for_institutions(value) if value else queryset

    def filter_places(self, queryset, name, value):
        return queryset.for_places(value) if value else queryset

    def filter_statuses(self, queryset, name, value):
        return queryset.with_any_status(value) if value else queryset

    def filter_from(self, queryset, name, value):
        return queryset.active_between(first_year=value)

    def filter_to(self, queryset, name, value):
        return queryset.active_between(last_year=value)

    def sort(self, queryset, name, value):
        if value == "relevancia":
            return queryset  # `qs` orders search results by relevance
        descending = value.startswith("-")
        if value.lstrip("-") == "fecha":
            date = (
                F("start_date").desc(nulls_last=True)
                if descending
                else F("start_date").asc(nulls_last=True)
            )
            return queryset.order_by(date, "name")
        return queryset.order_by("-name" if descending else "name")

    def filter_queryset(self, queryset, *, skip=()):
        """Apply every valid filter but those named in `skip`."""
        for name, value in self.form.cleaned_data.items():
            if name not in skip and asks_for_something(value):
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    # Facets ------------------------------------------------------------------

    def _selected(self, name):
        return set(self.data.getlist(name))

    def _others(self, *names):
        """Results with every filter applied except those `names` (and the sort)."""
        self.errors  # noqa: B018 - validates the form, filling cleaned_data
        return self.filter_queryset(self.queryset.all(), skip=(*names, "orden"))

    def facets(self, names=FACETS):
        """The facets `names`, in that order. Each costs one or two grouped queries,
        whatever the number of results; kind and status share one."""
        built = {}
        for name in names:
            if name in built:
                continue
            if name in ("tipo", "estado"):
                built.update(self._kind_and_status_facets())
            else:
                built[name] = {
                    "area": self._area_facet,
                    "grupo": self._group_facet,
                    "institucion": self._institution_facet,
                    "lugar": self._place_facet,
                }[name]()
        return [built[name] for name in names]

    def loosening(self):
        """For an empty result: each active filter whose removal alone would give results,
        with how many, most results first."""
        suggestions = []
        for name, value in self.form.cleaned_data.items():
            if name != "orden" and asks_for_something(value):
                count = self._others(name).count()
                if count:
                    label = self.filters[name].label
                    suggestions.append((label, count, self._query_without(name)))
        return sorted(suggestions, key=lambda suggestion: -suggestion[1])

    def _facet(self, name, rows, labels_of_missing=None):
        """A facet from (value, label, count) rows. Options with no results are left out,
        but a ticked value always shows, so that it can be unticked: `labels_of_missing`
        names the ticked values that no row has."""
        selected = self._selected(name)
        facet = Facet(name, self.filters[name].label)
        for value, label, count, *depth in rows:
            value = str(value)
            if count or value in selected:
                facet.options.append(Option(value, label, count, value in selected, *depth))
        missing = selected - {option.value for option in facet.options}
        if missing and labels_of_missing and self.form.cleaned_data.get(name):
            for value, label in labels_of_missing(missing).items():
                facet.options.append(Option(value, label, 0, True))
        return facet

    def _area_facet(self):
        rows = (
            Instrument.practices.through.objects.filter(
                instrument__in=self._others("area").values("pk"),
                practice__publication_status=PublicationStatus.PUBLISHED,
            )
            .values_list("practice__area__number", "practice__area__title")
            .annotate(count=Count("instrument", distinct=True))
            .order_by("practice__area__number")
        )
        return self._facet(
            "area",
            [(number, f"{number}. {title}", n) for number, title, n in rows],
            labels_of_missing=self._area_labels,
        )

    def _area_labels(self, numbers):
        rows = (
            Instrument.objects.filter(practices__area__number__in=numbers)
            .values_list("practices__area__number", "practices__area__title")
            .distinct()
        )
        return {str(number): f"{number}. {title}" for number, title in rows}

    def _kind_and_status_facets(self):
        """Both facets from one query grouped by kind and status, over the results without
        either filter: each facet's counts then apply the other's filter."""
        rows = (
            self._others("tipo", "estado")
            .with_status()
            .order_by()
            .values_list("kind", "current_status")
            .annotate(count=Count("pk"))
        )
        kinds_ticked = set(self.form.cleaned_data.get("tipo") or ())
        statuses_ticked = set(self.form.cleaned_data.get("estado") or ())
        kinds, statuses = Counter(), Counter()
        self.result_count = 0
        for kind, status, count in rows:
            kind_kept = not kinds_ticked or kind in kinds_ticked
            status_kept = not statuses_ticked or status in statuses_ticked
            if status_kept:
                kinds[kind] += count
            if kind_kept:
                statuses[status] += count
            if kind_kept and status_kept:
                self.result_count += count
        return {
            "tipo": self._facet(
                "tipo", [(kind, label, kinds[kind]) for kind, label in InstrumentKind.choices]
            ),
            "estado": self._facet(
                "estado", [(status, label, statuses[status]) for status, label in Status.choices]
            ),
        }

    def _group_facet(self):
        return self._tree_facet("grupo", TargetGroup, "slug")

    def _place_facet(self):
        return self._tree_facet("lugar", Place, "code")

    def _institution_facet(self):
        """The institutions with most results (a long tail would bury the panel), and
        the ticked ones, wherever they rank."""
        counts = (
            Participation.objects.filter(instrument__in=self._others("institucion").values("pk"))
            .values_list("institution__slug", "institution__name", "institution__acronym")
            .annotate(count=Count("instrument", distinct=True))
            .order_by("-count", "institution__name")
        )
        rows = list(counts[:INSTITUTION_OPTIONS])
        # The slugs the form accepted, not the raw ones: a raw value reaches the database
        # as it came, and PostgreSQL refuses text with a NUL byte in it.
        accepted = self.form.cleaned_data.get("institucion") or ()
        ticked = {institution.slug for institution in accepted} - {slug for slug, *_rest in rows}
        if ticked:
            rows += counts.filter(institution__slug__in=ticked)
        return self._facet(
            "institucion",
            [(slug, acronym or name, n) for slug, name, acronym, n in rows],
            labels_of_missing=lambda slugs: {
                institution.slug: institution.acronym or institution.name
                for institution in self.form.cleaned_data["institucion"]
                if institution.slug in slugs
            },
        )

    def _tree_facet(self, name, model, key):
        """A facet over a tree (groups and sub-groups, countries and their states): a node
        counts each result of its whole subtree once, as its filter includes the subtree."""
        tree = model.objects.order_by("name")
        parent_field = f"{tree.parent_field}_id"
        nodes = tree.counted(self._others(name))
        children = defaultdict(list)
        for node in nodes:
            children[getattr(node, parent_field)].append(node)
        rows = []

        def walk(node, depth):
            rows.append((getattr(node, key), node.name, node.instrument_count, depth))
            for child in children[node.pk]:
                walk(child, depth + 1)

        for node in children[None]:
            walk(node, 0)
        return self._facet(name, rows)

    # Chips -------------------------------------------------------------------

    def chips(self, facets):
        """One removable chip per active filter value; ignored (invalid) filters have none."""
        cleaned = self.form.cleaned_data
        chips = []
        for facet in facets:
            if cleaned.get(facet.name):
                for option in facet.selected:
                    label = f"{facet.label}: {option.label}"
                    chips.append(Chip(label, self._query_without(facet.name, option.value)))
        if cleaned.get("q"):
            label = f"{self.filters['q'].label}: «{cleaned['q']}»"
            chips.append(Chip(label, self._query_without("q")))
        for name in ("desde", "hasta"):
            if cleaned.get(name) is not None:
                label = f"{self.filters[name].label}: {cleaned[name]}"
                chips.append(Chip(label, self._query_without(name)))
        return chips

    def _query_without(self, name, value=None):
        query = self.data.copy()
        if value is None:
            query.pop(name, None)
        else:
            query.setlist(name, [other for other in query.getlist(name) if other != value])
        query.pop("pagina", None)
        return query.urlencode()
