"""The spine's pages: the home page, a thematic area, a good practice."""

from django.db.models import Count
from django.shortcuts import render
from django.views.generic import DetailView

from core.pagination import paginate
from programs.models import Instrument, KeyFigure, TargetGroup

from .models import Practice, ThematicArea, instruments_in_areas

RECENT = 6


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


class ThematicAreaDetailView(DetailView):
    model = ThematicArea

    def get_context_data(self, **kwargs):
        area = self.object
        instruments = instruments_in_areas(Instrument.objects.published(), [area.number])
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
        practices = paginate(self.request, area.practices.published().with_instruments())
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
