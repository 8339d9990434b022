"""A good practice's page."""

from django.views.generic import DetailView

from .models import Practice


class PracticeDetailView(DetailView):
    queryset = Practice.objects.select_related("area").with_instruments(prefetch=("target_groups",))

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)
