"""A good practice's page."""

from django.views.generic import DetailView

from .models import Practice


class PracticeDetailView(DetailView):
    def get_queryset(self):
        # Built per request: modeltranslation orders the practice's instruments by their
        # name in the request's language.
        return (
            Practice.objects.select_related("area")
            .with_instruments(prefetch=("target_groups",))
            .visible_to(self.request.user)
        )
