"""Browsing the knowledge base: the home page, the thematic areas, the catalogue of
instruments and its search, the target groups and institutions with their counts, a
group's page (the catalogue scoped to the group) and the timeline. Every count and every
list of instruments comes from the index (catalogue/index.py); the database gives only
the records shown."""

from functools import wraps
from urllib.parse import urlencode

from django.db.models import Prefetch
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.generic import DetailView

from core.pagination import paginate
from core.search import engine
from core.search.query import parse, suggestion
from core.sources import Source
from practices.models import Practice, ThematicArea
from programs.models import Institution, Instrument, KeyFigure, TargetGroup

from . import datapackage, export, tables
from . import facets as facet_counts
from .feeds import catalogue_feed
from .filters import InstrumentFilter, TooMuch
from .search import DATED, Results, group_scope
from .timeline import Timeline

TIMELINE_PAGE_SIZE = 50
INSTITUTION_PAGE_SIZE = 100
RECENT = 6
HITS = 5


def catalogue_index():
    return engine.snapshot().index(Instrument)


def with_counts(records, facet, within=None):
    """`records`, each with `instrument_count`: the published instruments (of `within`)
    that `facet` (a facet of the index) gives its key."""
    index = catalogue_index()
    within = index.published if within is None else within
    counts = index.facets[facet].counts(within)
    for record in records:
        record.instrument_count = counts.get(record.pk, 0)
    return records


def bounded(view):
    """A catalogue page: a chip's «quitar» is answered with a redirect to the page
    without what it removes, and a request beyond the catalogue's bounds with 400."""

    @wraps(view)
    def answer(request, *args, **kwargs):
        if "quitar" in request.GET:
            return redirect(without(request, request.GET["quitar"]))
        try:
            return view(request, *args, **kwargs)
        except TooMuch as error:
            context = {"message": error.messages[0]}
            return render(request, "catalogue/too_much.html", context, status=400)

    return answer


def without(request, removed):
    """This page's address without `removed` ("grupo=mujeres": one value; "q": the whole
    parameter), nor the page number, nor empty parameters."""
    name, _, value = removed.partition("=")
    query = request.GET.copy()
    query.pop("quitar", None)
    query.pop("pagina", None)
    kept = {}
    for key, values in query.lists():
        if key == name:
            values = [other for other in values if value and other != value]
        kept[key] = [other for other in values if other]
    query = urlencode([(key, v) for key, values in kept.items() for v in values])
    return f"{request.path}?{query}" if query else request.path


def card_tags():
    """What a result card's tags show (practices/templatetags/instrument_cards.py), each as
    a list: a prefetch kept as a related manager's results makes a filtered queryset for
    every instrument of the page (2 to 4 ms a page of 20)."""
    return (
        Prefetch("target_groups", queryset=TargetGroup.objects.as_links(), to_attr="group_tags"),
        Prefetch("practices", queryset=Practice.objects.for_area_tags(), to_attr="practice_tags"),
    )


def catalogue_context(request, scope=None):
    """The filterable list of instruments: results, facets, chips, what to loosen."""
    filterset = InstrumentFilter(request.GET, scope=scope)
    filterset.check_bounds()
    search = filterset.search
    results = search.results(
        Instrument.objects.without_search_text().prefetch_related(*card_tags())
    )
    page = paginate(request, results)
    facets = facet_counts.count_facets(search)
    empty = not page.paginator.count
    chips = facet_counts.chips(filterset, facets)
    return {
        "filterset": filterset,
        "page": page,
        "facets": facets,
        "chips": chips,
        # The active filters in one line, for the page's title and results heading.
        "summary": "; ".join(chip.label for chip in chips),
        "loosen": facet_counts.loosening(search) if empty else [],
        "search": search.query,
        "partial": search.partial,
        # Worked out only when the notice it words is shown.
        "complete": search.partial and search.complete,
        "searched_only": filterset.active() == ["q"],
        "suggestion": correction(search.query) if empty and search.query else None,
    }


def correction(query):
    """«¿Quiso decir …?»: a corrected query and how many results it gives, or None when
    no correction gives any."""
    lexicon = engine.snapshot().lexicon
    corrected = suggestion(query, lexicon)
    if not corrected:
        return None
    index = catalogue_index()
    count = len(index.text.match(parse(corrected, lexicon), within=index.published).positions)
    return (corrected, count) if count else None


def search_hits(query):
    """The practices, areas, institutions and target groups `query` matches, a few of each
    kind, for above the instruments; only the kinds with a match."""
    hits = []
    for model, queryset in (
        (Practice, Practice.objects.published()),
        (ThematicArea, ThematicArea.objects.all()),
        (Institution, Institution.objects.all()),
        (TargetGroup, TargetGroup.objects.all()),
    ):
        index = engine.snapshot().text_index(model)
        best = index.pks[index.ranked(index.match(query))].tolist()
        found = queryset.in_bulk(best[: HITS * 4])
        records = [found[pk] for pk in best if pk in found][:HITS]
        if records:  # a heading over an empty list would be announced to a screen reader
            hits.append((model._meta.verbose_name_plural, records))
    return hits


def download_instruments(request, format, name, scope=None, by_date=False):
    """The instruments a catalogue page lists, all of its pages, as `format`; or the
    feed of those that changed last."""
    filterset = InstrumentFilter(request.GET, scope=scope)
    filterset.check_bounds()
    export.check_filters(filterset)
    search, queryset = filterset.search, tables.instrument_queryset()
    if format == "atom":
        page = request.GET.copy()
        del page[export.PARAMETER]
        address = f"{request.path}?{page.urlencode()}" if page else request.path
        return catalogue_feed(request, search=search, page=address)
    if by_date:
        results = Results(search.index, search.index.by_date(search.positions), queryset)
    else:
        results = search.results(queryset)
    return export.download(request, tables.instruments_table(name), results, format)


@bounded
@export.refusing
def catalogue(request):
    """The catalogue of instruments; a search adds, above the results, the practices,
    areas, institutions and target groups it matches."""
    if format := export.requested(request, export.QUERY_FORMATS):
        return download_instruments(request, format, "instrumentos")
    context = catalogue_context(request)
    if context["search"]:
        context["hits"] = search_hits(context["search"])
    return render(request, "catalogue/catalogue.html", context)


def data_package(request):
    """The whole knowledge base as a Data Package: its descriptor (catalogue/datapackage.py)."""
    descriptor = datapackage.descriptor(request, datapackage.resources({}))
    return JsonResponse(descriptor, json_dumps_params={"ensure_ascii": False, "indent": 1})


def data_resource(request, name):
    """One CSV of the Data Package: every published record of one type."""
    counts = catalogue_index().facets["institucion"].counts(catalogue_index().published)
    if name not in (found := datapackage.resources(counts)):
        raise Http404(_("Ese recurso de datos no existe."))
    table, records = found[name]
    return export.csv_response(request, table, records)


def robots(request):
    """Every public page may be indexed; the sitemap lists them."""
    sitemap = request.build_absolute_uri(reverse("catalogue:sitemap_index"))
    lines = ["User-agent: *", "Allow: /", f"Sitemap: {sitemap}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


def areas_with_counts(areas):
    """`areas` (thematic areas), each with `instrument_count` and `practice_count`: its
    published instruments and practices."""
    areas = with_counts(list(areas), "area")
    practice_counts = catalogue_index().practice_counts
    for area in areas:
        area.practice_count = practice_counts.get(area.pk, 0)
    return areas


# The groups readers ask for most, one click from the home page whatever their depth in
# the tree, in this order; each shows its full name, so that none reads as another.
HOME_GROUPS = [
    "ninas-ninos-y-adolescentes",
    "nna-no-acompanados",
    "mujeres",
    "personas-indigenas",
    "victimas-de-trata",
    "trabajadores-agricolas",
    "migrantes-de-retorno",
    "personas-refugiadas",
]


def home(request):
    areas = areas_with_counts(ThematicArea.objects.all())
    groups = with_counts(list(TargetGroup.objects.filter(slug__in=HOME_GROUPS)), "grupo")
    context = {
        "areas": areas,
        "groups": sorted(groups, key=lambda group: HOME_GROUPS.index(group.slug)),
        "figures": KeyFigure.objects.headlines().order_by("-value"),
        "recent": Instrument.objects.published().order_by("-updated_at", "name")[:RECENT],
    }
    return render(request, "catalogue/home.html", context)


# The areas' index shows each area's first practices and links to the area's page for all
# of them: listing every one made the page 1.7 MB and 0.6 s at 10,000 practices.
PRACTICES_PER_AREA = 10


def area_list(request):
    """The six thematic areas, each with its counts and its first published practices."""
    practices = Practice.objects.published().only("area_id", "slug", "title")
    practices = practices.order_by("position")[:PRACTICES_PER_AREA]
    first = Prefetch("practices", queryset=practices, to_attr="first_practices")
    areas = ThematicArea.objects.prefetch_related(first)
    return render(request, "catalogue/area_list.html", {"areas": areas_with_counts(areas)})


class ThematicAreaDetailView(DetailView):
    model = ThematicArea
    template_name = "catalogue/area.html"

    @method_decorator(export.refusing)
    def get(self, request, *args, **kwargs):
        if format := export.requested(request):
            area = get_object_or_404(ThematicArea, slug=kwargs["slug"])
            practices = area.practices.published().select_related("area").with_instruments()
            table = tables.practices_table(f"area-{area.number}")
            return export.download(request, table, practices, format)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        area, index = self.object, catalogue_index()
        within = index.published & index.facets["area"].bitmaps.get(area.pk, index.all)
        kinds = index.facets["tipo"]
        kind_counts = kinds.counts(within)
        groups = with_counts(list(TargetGroup.objects.all()), "grupo", within)
        areas = list(ThematicArea.objects.only("number", "slug", "title"))
        return super().get_context_data(
            practices=paginate(
                self.request,
                area.practices.published().order_by("position").with_instruments(links_only=True),
            ),
            kinds=sorted(
                ((key, kinds.nodes[key].label, n) for key, n in kind_counts.items() if n),
                key=lambda kind: -kind[2],
            ),
            groups=sorted(
                ((g.slug, g.name, g.instrument_count) for g in groups if g.instrument_count),
                key=lambda row: (-row[2], row[1]),
            ),
            previous=next((other for other in areas if other.number == area.number - 1), None),
            next=next((other for other in areas if other.number == area.number + 1), None),
            **kwargs,
        )


def target_group_list(request):
    groups = with_counts(list(TargetGroup.objects.order_by("name")), "grupo")
    children = {}
    for group in groups:
        children.setdefault(group.parent_id, []).append(group)
    for group in groups:
        group.subgroups = children.get(group.pk, [])
    return render(request, "catalogue/targetgroup_list.html", {"groups": children.get(None, [])})


@bounded
@export.refusing
def target_group_detail(request, slug):
    group = get_object_or_404(TargetGroup.objects.select_related("parent"), slug=slug)
    scope = group_scope(group.pk)
    if format := export.requested(request, export.QUERY_FORMATS):
        return download_instruments(request, format, f"grupo-{group.slug}", scope=scope)
    context = catalogue_context(request, scope=scope)
    context["group"] = group
    context["subgroups"] = group.children.all()
    return render(request, "catalogue/targetgroup_detail.html", context)


@export.refusing
def institution_list(request):
    institutions = Institution.objects.select_related("country").order_by("kind", "name")
    if format := export.requested(request):
        counts = catalogue_index().facets["institucion"].counts(catalogue_index().published)
        table = tables.institutions_table(counts)
        return export.download(request, table, institutions, format)
    page = paginate(request, institutions, per_page=INSTITUTION_PAGE_SIZE)
    with_counts(page.object_list, "institucion")
    return render(request, "catalogue/institution_list.html", {"page": page})


@bounded
@export.refusing
def timeline(request):
    """The dated instruments, a page at a time, on one axis for every page."""
    if format := export.requested(request):
        return download_instruments(request, format, "cronologia", scope=DATED, by_date=True)
    filterset = InstrumentFilter(request.GET, scope=DATED)
    filterset.check_bounds()
    search = filterset.search
    by_date = Results(search.index, search.index.by_date(search.positions))
    page = paginate(request, by_date, per_page=TIMELINE_PAGE_SIZE)
    context = {
        "filterset": filterset,
        "page": page,
        "timeline": Timeline(page, **search.index.date_span(search.positions)),
        "facets": facet_counts.count_facets(search, names=("area", "grupo")),
    }
    return render(request, "catalogue/timeline.html", context)


def about(request):
    """What the knowledge base is, its source documents, how its records are built and
    checked, the data licence and how to cite."""
    sources = Source.objects.order_by("pk")
    return render(request, "catalogue/about.html", {"sources": sources})


def source_text(request, slug):
    """A shipped source document's full text, as the quotes are checked against it."""
    source = get_object_or_404(Source, slug=slug)
    if not source.has_text():
        raise Http404
    response = HttpResponse(source.text(), content_type="text/plain; charset=utf-8")
    response["Content-Language"] = source.language
    return response
