from collections import defaultdict

from django.core.paginator import InvalidPage, Paginator
from django.db.models import Count, Max, Min, Prefetch, Q
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.generic import DetailView

from . import search
from .filters import InstrumentFilter
from .models import (
    Institution,
    Instrument,
    Participation,
    PublicationStatus,
    Role,
    TargetGroup,
)
from .timeline import Timeline

PAGE_SIZE = 20
TIMELINE_PAGE_SIZE = 50
INSTITUTION_PAGE_SIZE = 100
PUBLISHED = Q(instruments__publication_status=PublicationStatus.PUBLISHED)


def published_instruments():
    return Instrument.objects.published()


def paginate(request, queryset, per_page=PAGE_SIZE, count=None):
    """The page `pagina` of `queryset` (of `count` records, when already known), with
    `numbers`: the page numbers to link to (the first, the last and those around this
    one), elided with `Paginator.ELLIPSIS`."""
    paginator = Paginator(queryset, per_page)
    if count is not None:
        paginator.count = count
    try:
        page = paginator.page(request.GET.get("pagina") or 1)
    except InvalidPage as error:
        raise Http404(_("Esa página de resultados no existe.")) from error
    page.numbers = page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    return page


def catalogue_context(request, queryset):
    """The filterable list of `queryset`: results, facets, chips, and what to loosen."""
    filterset = InstrumentFilter(request.GET, queryset=queryset)
    facets = filterset.facets()
    practices = Instrument._meta.get_field("practices").related_model.objects.select_related("area")
    page = paginate(
        request,
        filterset.qs.prefetch_related("target_groups", Prefetch("practices", queryset=practices)),
        count=filterset.result_count,
    )
    query = filterset.search_query
    empty = not page.paginator.count
    return {
        "filterset": filterset,
        "page": page,
        "facets": facets,
        "chips": filterset.chips(facets),
        "loosen": filterset.loosening() if empty else [],
        "search": query,
        "suggestion": search.suggestion(query) if empty and query else "",
    }


class InstrumentDetailView(DetailView):
    queryset = Instrument.objects.select_related("parent").prefetch_related(
        Prefetch("participations", queryset=Participation.objects.select_related("institution")),
        "target_groups__parent",
        "places",
        "key_figures",
        Prefetch("legal_basis", queryset=published_instruments()),
        Prefetch("rests_on_it", queryset=published_instruments()),
        Prefetch("children", queryset=published_instruments()),
        Prefetch("related", queryset=published_instruments()),
    )

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)

    def get_context_data(self, **kwargs):
        instrument = self.object
        parent = instrument.parent
        if parent and parent.publication_status != PublicationStatus.PUBLISHED:
            parent = None
        practices = instrument.practices.published().select_related("area")
        return super().get_context_data(parent=parent, practices=practices, **kwargs)


def target_group_list(request):
    children = defaultdict(list)
    for group in TargetGroup.objects.counted():
        children[group.parent_id].append(group)
    for group in (group for groups in list(children.values()) for group in groups):
        group.subgroups = children[group.pk]
    return render(request, "programs/targetgroup_list.html", {"groups": children[None]})


def target_group_detail(request, slug):
    group = get_object_or_404(TargetGroup.objects.select_related("parent"), slug=slug)
    context = catalogue_context(request, published_instruments().for_target_groups([group]))
    context["group"] = group
    context["subgroups"] = group.children.all()
    return render(request, "programs/targetgroup_detail.html", context)


def institution_list(request):
    institutions = (
        Institution.objects.select_related("country")
        .annotate(instrument_count=Count("instruments", filter=PUBLISHED, distinct=True))
        .order_by("kind", "name")
    )
    page = paginate(request, institutions, per_page=INSTITUTION_PAGE_SIZE)
    return render(request, "programs/institution_list.html", {"page": page})


class InstitutionDetailView(DetailView):
    queryset = Institution.objects.select_related("country")

    def get_context_data(self, **kwargs):
        participations = (
            self.object.participations.filter(
                instrument__publication_status=PublicationStatus.PUBLISHED
            )
            .select_related("instrument")
            .order_by("instrument__name")
        )
        by_role = {role: [] for role in Role}
        for participation in participations:
            by_role[Role(participation.role)].append(participation.instrument)
        roles = [(role.label, instruments) for role, instruments in by_role.items() if instruments]
        return super().get_context_data(roles=roles, **kwargs)


def glossary(request):
    """Every acronym, linked to its record, with what kind of record it is."""
    no_acronym = Q(acronym="")
    records = [
        *((r, r.get_kind_display()) for r in published_instruments().exclude(no_acronym)),
        *((r, r.get_kind_display()) for r in Institution.objects.exclude(no_acronym)),
        *((r, TargetGroup._meta.verbose_name) for r in TargetGroup.objects.exclude(no_acronym)),
    ]
    entries = sorted(
        records,
        key=lambda entry: (entry[0].acronym.casefold(), entry[0].name),
    )
    return render(request, "programs/glossary.html", {"entries": entries})


def timeline(request):
    """The dated instruments, a page at a time, on one axis for every page."""
    dated = published_instruments().filter(start_date__isnull=False)
    filterset = InstrumentFilter(request.GET, queryset=dated)
    results = filterset.qs
    page = paginate(request, results.order_by("start_date", "name"), per_page=TIMELINE_PAGE_SIZE)
    context = {
        "filterset": filterset,
        "page": page,
        "timeline": Timeline(
            page,
            **results.aggregate(
                first=Min("start_date"), last=Max(Coalesce("end_date", "start_date"))
            ),
        ),
        "facets": filterset.facets(names=("area", "grupo")),
    }
    return render(request, "programs/timeline.html", context)
