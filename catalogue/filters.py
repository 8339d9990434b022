"""The catalogue's filters: what each URL parameter accepts.

Values of one parameter combine with OR, different parameters with AND. Invalid values
never reach the index or the database: the form rejects them, the filter is ignored and
the page names it (`InstrumentFilter.errors`). A parameter may carry at most
`MAX_VALUES` values and the search at most `MAX_QUERY_WORDS` words; beyond that the
request is refused (catalogue/views.py answers 400), so that no URL costs more than a
bounded amount. The results come from the index (catalogue/search.py), the same for the
pages, the data downloads and the API.
"""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from compact.models import SDGTarget
from core.search import engine
from core.search.analyzer import words
from core.search.query import MAX_QUERY_WORDS, parse
from programs.models import Institution, Instrument, InstrumentKind, Place, Status, TargetGroup

from .search import CatalogueSearch, compact_references

FACETS = ("area", "tipo", "grupo", "institucion", "lugar", "estado", "objetivo", "ods")
AREA_NUMBERS = [(str(number), str(number)) for number in range(1, 7)]
OBJECTIVE_NUMBERS = [(str(number), str(number)) for number in range(1, 24)]
SORTS = [
    ("relevancia", _("relevancia")),
    ("nombre", _("nombre (A–Z)")),
    ("-nombre", _("nombre (Z–A)")),
    ("-fecha", _("fecha (más recientes primero)")),
    ("fecha", _("fecha (más antiguos primero)")),
]
# More values than any facet has options (the catalogue's largest, institutions, has 32),
# and, across every facet, more than a reader ticks; together they bound a page's size.
MAX_VALUES = 40
MAX_SELECTED = 60


class TooMuch(ValidationError):
    """A request beyond the bounds every catalogue URL is held to."""


def asks_for_something(value):
    """Whether a filter's cleaned value narrows the results: an empty choice does not,
    whether a list or (from a model choice) an empty queryset."""
    if isinstance(value, QuerySet):
        # An empty choice is `none()`, which bool() would compile (a query's every column)
        # only to find it empty; a chosen one is already evaluated: no query either way.
        return not value.query.is_empty() and bool(value)
    if isinstance(value, list):
        return bool(value)
    return value not in (None, "")


class YearFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


def by_key(label, queryset, field, key="slug"):
    """Records named by `key` in the URL; `field` is the instruments' field that links them,
    which the API's schema reads (the results come from the index, not from the field)."""
    return django_filters.ModelMultipleChoiceFilter(
        label=label, queryset=queryset, field_name=field, to_field_name=key
    )


class InstrumentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Búsqueda"), max_length=200)
    area = django_filters.MultipleChoiceFilter(label=_("Área temática"), choices=AREA_NUMBERS)
    objetivo = django_filters.MultipleChoiceFilter(
        label=_("Objetivo del Pacto"), choices=OBJECTIVE_NUMBERS
    )
    ods = by_key(_("Meta ODS"), SDGTarget.objects.all(), "objective_links__sdg_targets", key="code")
    tipo = django_filters.MultipleChoiceFilter(label=_("Tipo"), choices=InstrumentKind.choices)
    grupo = by_key(_("Grupo de población"), TargetGroup.objects.all(), "target_groups")
    institucion = by_key(_("Institución"), Institution.objects.all(), "institutions")
    lugar = by_key(_("Lugar"), Place.objects.all(), "places", key="code")
    # Only the statuses a source states: a record whose source states none has none.
    estado = django_filters.MultipleChoiceFilter(
        label=_("Estado según la fuente"), choices=Status.choices
    )
    desde = YearFilter(label=_("Desde el año"), min_value=1900, max_value=2100)
    hasta = YearFilter(label=_("Hasta el año"), min_value=1900, max_value=2100)
    orden = django_filters.ChoiceFilter(label=_("Ordenar por"), choices=SORTS, empty_label=None)

    class Meta:
        model = Instrument
        fields = []

    def __init__(self, data=None, *args, scope=None, **kwargs):
        """`scope` narrows the catalogue to part of the index (a group's page, the
        timeline): a catalogue.search.Scope."""
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
        self.scope = scope

    def check_bounds(self):
        """Refuse (TooMuch) a parameter with more than MAX_VALUES values, more than
        MAX_SELECTED values in all, or a search of more than MAX_QUERY_WORDS words (stop
        words aside; a search over its 200 characters is already ignored and named)."""
        for name in FACETS:
            if len(self.data.getlist(name)) > MAX_VALUES:
                raise TooMuch(
                    _("«%(name)s» admite como máximo %(count)s valores."),
                    params={"name": name, "count": MAX_VALUES},
                )
        if sum(len(self.data.getlist(name)) for name in FACETS) > MAX_SELECTED:
            raise TooMuch(
                _("Los filtros admiten como máximo %(count)s valores en total."),
                params={"count": MAX_SELECTED},
            )
        if len(words(self.cleaned.get("q") or "")) > MAX_QUERY_WORDS:
            raise TooMuch(
                _("La búsqueda admite como máximo %(count)s palabras."),
                params={"count": MAX_QUERY_WORDS},
            )

    @cached_property
    def cleaned(self):
        """The valid values asked for (an invalid filter is left out)."""
        self.errors  # noqa: B018 - validates the form, filling cleaned_data
        return self.form.cleaned_data

    def values(self, name):
        """The valid values of the parameter `name`, as the URL carries them."""
        value = self.cleaned.get(name)
        if not asks_for_something(value):
            return []
        key = getattr(self.filters[name], "extra", {}).get("to_field_name")
        return [getattr(item, key) if key else str(item) for item in value]

    @cached_property
    def references(self):
        """The objectives of the Global Compact and SDG targets the search names ("objetivo
        7", "ODS 10.7", "SDG 8.8"), which filter as their facets do, and the rest of it."""
        facets = engine.snapshot().index(Instrument).facets
        return compact_references(
            self.cleaned.get("q") or "", facets["objetivo"].key_of, facets["ods"].key_of
        )

    @cached_property
    def search_query(self):
        """The words searched for, parsed once (see core/search/query.py)."""
        return parse(self.references.text, engine.snapshot().lexicon)

    def active(self):
        """The names of the filters that narrow the results (the sort aside)."""
        return [
            name
            for name, value in self.cleaned.items()
            if name != "orden" and asks_for_something(value)
        ]

    def selections(self):
        """{facet: its valid values, as the URL carries them}, for the facets asked for."""
        return {name: values for name in FACETS if (values := self.values(name))}

    @cached_property
    def search(self):
        """The results and counts, from the index (catalogue/search.py)."""
        return CatalogueSearch(self, self.scope)

    @property
    def qs(self):
        """The results, in order: a sequence the paginator pages (see catalogue/search.py)."""
        return self.search.results()


# Every parameter a catalogue page reads: its filters, the page number, and what a chip
# removes. The page cache drops any other (core/caching.py).
PARAMETERS = (*InstrumentFilter.base_filters, "pagina", "quitar")
