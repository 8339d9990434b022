"""The catalogue of instruments and the pages built on it: a target group's page (the
catalogue scoped to the group) and the timeline."""

from django.db.models import Max, Min, Prefetch
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, render

from core.pagination import paginate
from core.search.query import suggestion
from practices.models import Practice, ThematicArea
from programs.models import Institution, Instrument, TargetGroup

from . import facets as facet_counts
from .filters import InstrumentFilter
from .timeline import Timeline

TIMELINE_PAGE_SIZE = 50
HITS = 5


def catalogue_context(request, queryset):
    """The filterable list of `queryset`: results, facets, chips, and what to loosen."""
    filterset = InstrumentFilter(request.GET, queryset=queryset)
    facets, count = facet_counts.FacetCounter(filterset).facets()
    practices = Practice.objects.select_related("area")
    page = paginate(
        request,
        filterset.qs.prefetch_related("target_groups", Prefetch("practices", queryset=practices)),
        count=count,
    )
    query = filterset.search_query
    empty = not page.paginator.count
    return {
        "filterset": filterset,
        "page": page,
        "facets": facets,
        "chips": facet_counts.chips(filterset, facets),
        "loosen": facet_counts.loosening(filterset) if empty else [],
        "search": query,
        "suggestion": suggestion(query) if empty and query else "",
    }


def search_hits(query):
    """The practices, areas, institutions and target groups `query` matches, a few of each
    kind, for above the instruments; only the kinds with a match."""
    hits = [
        (model._meta.verbose_name_plural, list(queryset.search(query).ranked()[:HITS]))
        for model, queryset in (
            (Practice, Practice.objects.published()),
            (ThematicArea, ThematicArea.objects.all()),
            (Institution, Institution.objects.all()),
            (TargetGroup, TargetGroup.objects.all()),
        )
    ]
    # With none, the page has no "direct matches" section, whose heading would announce
    # an empty list to a screen reader.
    return [(label, records) for label, records in hits if records]


def catalogue(request):
    """The catalogue of instruments; a search adds, above the results, the practices,
    areas, institutions and target groups it matches."""
    context = catalogue_context(request, Instrument.objects.published())
    if context["search"]:
        context["hits"] = search_hits(context["search"])
    return render(request, "catalogue/catalogue.html", context)


def target_group_detail(request, slug):
    group = get_object_or_404(TargetGroup.objects.select_related("parent"), slug=slug)
    context = catalogue_context(request, Instrument.objects.published().for_target_groups([group]))
    context["group"] = group
    context["subgroups"] = group.children.all()
    return render(request, "catalogue/targetgroup_detail.html", context)


def timeline(request):
    """The dated instruments, a page at a time, on one axis for every page."""
    dated = Instrument.objects.published().filter(start_date__isnull=False)
    filterset = InstrumentFilter(request.GET, queryset=dated)
    results = filterset.qs
    page = paginate(request, results.order_by("start_date", "name"), per_page=TIMELINE_PAGE_SIZE)
    axis = results.aggregate(first=Min("start_date"), last=Max(Coalesce("end_date", "start_date")))
    facets, _count = facet_counts.FacetCounter(filterset).facets(names=("area", "grupo"))
    context = {
        "filterset": filterset,
        "page": page,
        "timeline": Timeline(page, **axis),
        "facets": facets,
    }
    return render(request, "catalogue/timeline.html", context)
