"""The catalogue's filters, facet counts and active-filter chips.

Facets are disjunctive: the values ticked within one facet combine with OR, facets
combine with AND, and each facet's counts apply every *other* active filter, so an
option's count says how many results ticking it would give.

Invalid values never reach the ORM: the form rejects them, the filter is ignored and
the page names it (`InstrumentFilter.errors`).
"""

from collections import defaultdict
from dataclasses import dataclass, field

import django_filters
from django import forms
from django.db.models import Count, F, Q
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from . import search
from .models import (
    Institution,
    Instrument,
    InstrumentKind,
    Place,
    PublicationStatus,
    Status,
    TargetGroup,
)

FACETS = ("area", "tipo", "grupo", "institucion", "lugar", "estado")
AREA_NUMBERS = [(str(number), str(number)) for number in range(1, 7)]
IN_PUBLISHED_PRACTICE = Q(practices__publication_status=PublicationStatus.PUBLISHED)


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
            if name not in skip and value not in (None, "", []):
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    # Facets ------------------------------------------------------------------

    def _selected(self, name):
        return set(self.data.getlist(name))

    def _others(self, name):
        """Results with every filter applied except `name` (and the sort)."""
        self.errors  # noqa: B018 - validates the form, filling cleaned_data
        return self.filter_queryset(self.queryset.all(), skip=(name, "orden"))

    def facets(self, names=FACETS):
        builders = {
            "area": self._area_facet,
            "tipo": self._kind_facet,
            "grupo": self._group_facet,
            "institucion": self._institution_facet,
            "lugar": self._place_facet,
            "estado": self._status_facet,
        }
        return [builders[name]() for name in names]

    def loosening(self):
        """For an empty result: each active filter whose removal alone would give results,
        with how many, most results first."""
        suggestions = []
        for name, value in self.form.cleaned_data.items():
            if name != "orden" and value not in (None, "", []):
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
            self._others("area")
            .filter(IN_PUBLISHED_PRACTICE)
            .values_list("practices__area__number", "practices__area__title")
            .annotate(count=Count("pk", distinct=True))
            .order_by("practices__area__number")
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

    def _kind_facet(self):
        counts = dict(
            self._others("tipo").order_by().values_list("kind").annotate(count=Count("pk"))
        )
        return self._facet(
            "tipo", [(kind, label, counts.get(kind, 0)) for kind, label in InstrumentKind.choices]
        )

    def _group_facet(self):
        groups = TargetGroup.objects.order_by("name")
        return self._tree_facet("grupo", groups, "parent_id", "target_groups", "slug")

    def _place_facet(self):
        places = Place.objects.order_by("name")
        return self._tree_facet("lugar", places, "country_id", "places", "code")

    def _institution_facet(self):
        rows = (
            self._others("institucion")
            .values_list("institutions__slug", "institutions__name", "institutions__acronym")
            .annotate(count=Count("pk", distinct=True))
            .filter(institutions__isnull=False)
            .order_by("-count", "institutions__name")
        )
        return self._facet(
            "institucion",
            [(slug, acronym or name, n) for slug, name, acronym, n in rows],
            labels_of_missing=lambda slugs: {
                institution.slug: institution.acronym or institution.name
                for institution in self.form.cleaned_data["institucion"]
                if institution.slug in slugs
            },
        )

    def _status_facet(self):
        counts = dict(
            self._others("estado")
            .with_status()
            .order_by()
            .values_list("current_status")
            .annotate(count=Count("pk"))
        )
        return self._facet(
            "estado", [(status, label, counts.get(status, 0)) for status, label in Status.choices]
        )

    def _tree_facet(self, name, nodes, parent_attr, relation, key):
        """A facet over a tree (groups and sub-groups, countries and their states): a node
        counts each result of its whole subtree once, as its filter includes the subtree."""
        nodes = list(nodes)
        parents = {node.pk: getattr(node, parent_attr) for node in nodes}
        children = defaultdict(list)
        for node in nodes:
            children[parents[node.pk]].append(node)
        matches = defaultdict(set)
        for instrument, node in self._others(name).values_list("pk", relation).order_by():
            while node is not None:
                matches[node].add(instrument)
                node = parents.get(node)
        rows = []

        def walk(node, depth):
            rows.append((getattr(node, key), node.name, len(matches[node.pk]), depth))
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
