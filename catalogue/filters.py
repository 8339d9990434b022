"""The catalogue's filters: what each URL parameter means.

Values of one parameter combine with OR, different parameters with AND. Invalid values
never reach the ORM: the form rejects them, the filter is ignored and the page names it
(`InstrumentFilter.errors`). Facet counts and chips are in catalogue/facets.py.
"""

import django_filters
from django import forms
from django.db.models import F, QuerySet
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from core.search.query import parse
from practices.models import instruments_in_areas
from programs.models import Institution, Instrument, InstrumentKind, Place, Status, TargetGroup

AREA_NUMBERS = [(str(number), str(number)) for number in range(1, 7)]
SORTS = [
    ("relevancia", _("relevancia")),
    ("nombre", _("nombre (A–Z)")),
    ("-nombre", _("nombre (Z–A)")),
    ("-fecha", _("fecha (más recientes primero)")),
    ("fecha", _("fecha (más antiguos primero)")),
]


def asks_for_something(value):
    """Whether a filter's cleaned value narrows the results: an empty choice does not,
    whether a list or (from a model choice) an empty queryset."""
    if isinstance(value, list | QuerySet):
        return bool(value)  # a cleaned queryset is already evaluated: no query
    return value not in (None, "")


class YearFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


def by_slug(label, queryset, method, key="slug"):
    return django_filters.ModelMultipleChoiceFilter(
        label=label, queryset=queryset, to_field_name=key, method=method
    )


class InstrumentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Búsqueda"), method="filter_search", max_length=200)
    area = django_filters.MultipleChoiceFilter(
        label=_("Área temática"), choices=AREA_NUMBERS, method="filter_areas"
    )
    tipo = django_filters.MultipleChoiceFilter(
        label=_("Tipo"), field_name="kind", choices=InstrumentKind.choices
    )
    grupo = by_slug(_("Grupo de población"), TargetGroup.objects.all(), "filter_groups")
    institucion = by_slug(_("Institución"), Institution.objects.all(), "filter_institutions")
    lugar = by_slug(_("Lugar"), Place.objects.all(), "filter_places", key="code")
    estado = django_filters.MultipleChoiceFilter(
        label=_("Estado"), choices=Status.choices, method="filter_statuses"
    )
    desde = YearFilter(label=_("Desde el año"), min_value=1900, max_value=2100, method="since")
    hasta = YearFilter(label=_("Hasta el año"), min_value=1900, max_value=2100, method="until")
    orden = django_filters.ChoiceFilter(
        label=_("Ordenar por"), choices=SORTS, method="sort", empty_label=None
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

    @cached_property
    def cleaned(self):
        """The valid values asked for (an invalid filter is left out)."""
        self.errors  # noqa: B018 - validates the form, filling cleaned_data
        return self.form.cleaned_data

    @cached_property
    def search_query(self):
        """The words searched for, parsed once (see core/search/query.py)."""
        return parse(self.cleaned.get("q") or "")

    @property
    def qs(self):
        """The results; when searching, by relevance unless another order is asked for."""
        results = super().qs
        if self.search_query and self.cleaned.get("orden") in (None, "", "relevancia"):
            results = results.ranked()
        return results

    def filter_queryset(self, queryset, *, skip=()):
        """Apply every valid filter but those named in `skip`."""
        for name, value in self.cleaned.items():
            if name not in skip and asks_for_something(value):
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    def without(self, *names):
        """The results with every filter applied except those `names` (and the sort)."""
        return self.filter_queryset(self.queryset.all(), skip=(*names, "orden"))

    def active(self):
        """The names of the filters that narrow the results (the sort aside)."""
        return [
            name
            for name, value in self.cleaned.items()
            if name != "orden" and asks_for_something(value)
        ]

    # Each filter's meaning, from the querysets (see programs/models.py).

    def filter_search(self, queryset, name, value):
        return queryset.search(self.search_query)

    def filter_areas(self, queryset, name, value):
        return instruments_in_areas(queryset, value)

    def filter_groups(self, queryset, name, value):
        return queryset.for_target_groups(value)

    def filter_institutions(self, queryset, name, value):
        return queryset.for_institutions(value)

    def filter_places(self, queryset, name, value):
        return queryset.for_places(value)

    def filter_statuses(self, queryset, name, value):
        return queryset.with_any_status(value)

    def since(self, queryset, name, value):
        return queryset.active_between(first_year=value)

    def until(self, queryset, name, value):
        return queryset.active_between(last_year=value)

    def sort(self, queryset, name, value):
        if value == "relevancia":
            return queryset  # `qs` orders search results by relevance
        descending = value.startswith("-")
        if value.lstrip("-") == "fecha":
            start = F("start_date")
            date = start.desc(nulls_last=True) if descending else start.asc(nulls_last=True)
            return queryset.order_by(date, "name")
        return queryset.order_by("-name" if descending else "name")
