"""The instruments' own pages and those of what they link to: an instrument, an
institution, the glossary of acronyms."""

from django.db.models import Prefetch, Q
from django.shortcuts import render
from django.views.generic import DetailView

from core.records import PublicationStatus

from .models import Institution, Instrument, Participation, Place, Role, TargetGroup


def published_instruments():
    return Instrument.objects.published()


class InstrumentDetailView(DetailView):
    def get_queryset(self):
        # Built per request: modeltranslation orders a linked record by its name in the
        # request's language. Only the columns the page shows of what it lists: Django
        # compiles every column of a query each time, and the unused ones (a linked
        # record's quote, its timestamps) cost more than reading it.
        return (
            Instrument.objects.without_search_text()
            .prefetch_related(
                Prefetch("participations", queryset=Participation.objects.as_instrument_facts()),
                Prefetch("target_groups", queryset=TargetGroup.objects.as_instrument_facts()),
                Prefetch("places", queryset=Place.objects.as_instrument_facts()),
                "key_figures",
            )
            .visible_to(self.request.user)
        )

    def get_context_data(self, **kwargs):
        links = {}
        for linked in published_instruments().as_links().linked_to(self.object):
            links.setdefault(linked.link, []).append(linked)
        parent = links.pop("parent", [None])[0]
        return super().get_context_data(parent=parent, links=links, **kwargs)


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
        # Each role with its participations: a role taken from another source than the
        # source document shows its citation, as on the instrument's page.
        by_role = {role: [] for role in Role}
        for participation in participations:
            by_role[Role(participation.role)].append(participation)
        roles = [(role.label, found) for role, found in by_role.items() if found]
        return super().get_context_data(roles=roles, **kwargs)


def glossary(request):
    """Every acronym, linked to its record, with what kind of record it is."""
    # "After the empty string" rather than "not empty": the same records, but PostgreSQL
    # then reads them from the index of acronyms (0.1 ms) instead of every instrument
    # (45 ms at 100,000 instruments), where it misjudges "not empty" as common.
    with_acronym = Q(acronym__gt="")
    records = [
        *((r, r.get_kind_display()) for r in published_instruments().filter(with_acronym)),
        *((r, r.get_kind_display()) for r in Institution.objects.filter(with_acronym)),
        *((r, TargetGroup._meta.verbose_name) for r in TargetGroup.objects.filter(with_acronym)),
    ]
    entries = sorted(
        records,
        key=lambda entry: (entry[0].acronym.casefold(), entry[0].name),
    )
    return render(request, "programs/glossary.html", {"entries": entries})
