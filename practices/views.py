from django.shortcuts import render
from django.views.generic import DetailView

from .models import Practice, ThematicArea


def home(request):
    areas = ThematicArea.objects.with_practice_count()
    return render(request, "practices/home.html", {"areas": areas})


class ThematicAreaDetailView(DetailView):
    model = ThematicArea

    def get_context_data(self, **kwargs):
        practices = self.object.practices.published().with_instruments()
        return super().get_context_data(practices=practices, **kwargs)


class PracticeDetailView(DetailView):
    queryset = Practice.objects.published().select_related("area").with_instruments()
