from collections import defaultdict

from django.core.paginator import InvalidPage, Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.generic import DetailView, ListView

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
PUBLISHED = Q(instruments__publication_status=PublicationStatus.PUBLISHED)


def published_instruments():
    return Instrument.objects.published()


def paginate(request, queryset):
    try:
        return Paginator(queryset, PAGE_SIZE).page(request.GET.get("pagina") or 1)
    except InvalidPage as error:
        raise Http404(_("Esa página de resultados no existe.")) from error


def catalogue_context(request, queryset):
    """The filterable list of `queryset`: results, facets, chips, and what to loosen."""
    filterset = InstrumentFilter(request.GET, queryset=queryset)
    page = paginate(request, filterset.qs.prefetch_related("target_groups", "practices__area"))
    facets = filterset.facets()
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


class InstitutionListView(ListView):
    queryset = (
        Institution.objects.select_related("country")
        .annotate(instrument_count=Count("instruments", filter=PUBLISHED, distinct=True))
        .order_by("kind", "name")
    )


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
    records = [
        *((record, record.get_kind_display()) for record in published_instruments()),
        *((record, record.get_kind_display()) for record in Institution.objects.all()),
        *((record, TargetGroup._meta.verbose_name) for record in TargetGroup.objects.all()),
    ]
    entries = sorted(
        ((record, kind) for record, kind in records if record.acronym),
        key=lambda entry: (entry[0].acronym.casefold(), entry[0].name),
    )
    return render(request, "programs/glossary.html", {"entries": entries})


def timeline(request):
    dated = published_instruments().filter(start_date__isnull=False)
    filterset = InstrumentFilter(request.GET, queryset=dated)
    context = {
        "filterset": filterset,
        "timeline": Timeline(filterset.qs.order_by("start_date", "name")),
        "facets": filterset.facets(names=("area", "grupo")),
    }
    return render(request, "programs/timeline.html", context)
