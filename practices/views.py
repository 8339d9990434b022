from django.db.models import Count, Prefetch, Q
from django.shortcuts import render
from django.views.generic import DetailView

from programs.models import Instrument, PublicationStatus

from .models import Practice, ThematicArea

PUBLISHED_PRACTICES = Q(practices__publication_status=PublicationStatus.PUBLISHED)


def home(request):
    areas = ThematicArea.objects.annotate(
        practice_count=Count("practices", filter=PUBLISHED_PRACTICES)
    )
    return render(request, "practices/home.html", {"areas": areas})


class ThematicAreaDetailView(DetailView):
    model = ThematicArea

    def get_context_data(self, **kwargs):
        practices = self.object.practices.published().prefetch_related(
            Prefetch("instruments", queryset=Instrument.objects.published())
        )
        return super().get_context_data(practices=practices, **kwargs)


class PracticeDetailView(DetailView):
    queryset = (
        Practice.objects.published()
        .select_related("area")
        .prefetch_related(Prefetch("instruments", queryset=Instrument.objects.published()))
    )
