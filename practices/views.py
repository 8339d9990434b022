from django.db.models import Count
from django.shortcuts import render
from django.views.generic import DetailView

from programs.models import Institution, Instrument, KeyFigure, TargetGroup
from programs.search import ranked
from programs.views import PAGE_SIZE, catalogue_context, paginate

from .models import Practice, ThematicArea

RECENT = 6
HITS = 5


def home(request):
    groups = [group for group in TargetGroup.objects.counted() if group.parent_id is None]
    recent = Instrument.objects.published().order_by("-updated_at", "name")[:RECENT]
    context = {
        "areas": ThematicArea.objects.with_counts(),
        "groups": sorted(groups, key=lambda group: -group.instrument_count),
        "figures": KeyFigure.objects.headlines().order_by("-value"),
        "recent": recent,
    }
    return render(request, "practices/home.html", context)


def catalogue(request):
    """The catalogue of instruments; a search adds, above the results, the practices,
    areas, institutions and target groups it matches."""
    context = catalogue_context(request, Instrument.objects.published())
    query = context["search"]
    if query:
        hits = [
            (label, list(ranked(queryset.search(query))[:HITS]))
            for label, queryset in (
                (Practice._meta.verbose_name_plural, Practice.objects.published()),
                (ThematicArea._meta.verbose_name_plural, ThematicArea.objects.all()),
                (Institution._meta.verbose_name_plural, Institution.objects.all()),
                (TargetGroup._meta.verbose_name_plural, TargetGroup.objects.all()),
            )
        ]
        # Only the kinds that matched: with none, the page has no "direct matches"
        # section, whose heading would announce an empty list to a screen reader.
        context["hits"] = [(label, records) for label, records in hits if records]
    return render(request, "practices/catalogue.html", context)


class ThematicAreaDetailView(DetailView):
    model = ThematicArea

    def get_context_data(self, **kwargs):
        area = self.object
        instruments = Instrument.objects.published().in_areas([area.number])
        kinds = instruments.order_by().values_list("kind").annotate(count=Count("pk"))
        groups = sorted(
            (
                (group.slug, group.name, group.instrument_count)
                for group in TargetGroup.objects.counted(instruments)
                if group.instrument_count
            ),
            key=lambda row: (-row[2], row[1]),
        )
        labels = dict(Instrument._meta.get_field("kind").choices)
        areas = list(ThematicArea.objects.only("number", "slug", "title"))
        practices = paginate(
            self.request, area.practices.published().with_instruments(), per_page=PAGE_SIZE
        )
        return super().get_context_data(
            practices=practices,
            kinds=sorted(((kind, labels[kind], n) for kind, n in kinds), key=lambda k: -k[2]),
            groups=groups,
            previous=next((other for other in areas if other.number == area.number - 1), None),
            next=next((other for other in areas if other.number == area.number + 1), None),
            **kwargs,
        )


class PracticeDetailView(DetailView):
    queryset = Practice.objects.select_related("area").with_instruments(prefetch=("target_groups",))

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)
