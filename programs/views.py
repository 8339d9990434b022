from django.db.models import Prefetch
from django.views.generic import DetailView

from .models import Institution, Instrument, Participation, TargetGroup

PUBLISHED_INSTRUMENTS = Instrument.objects.published()


class InstrumentDetailView(DetailView):
    queryset = Instrument.objects.published().prefetch_related(
        Prefetch("participations", queryset=Participation.objects.select_related("institution")),
        "target_groups",
        "places",
        "key_figures",
        Prefetch("legal_basis", queryset=PUBLISHED_INSTRUMENTS),
        Prefetch("rests_on_it", queryset=PUBLISHED_INSTRUMENTS),
        Prefetch("children", queryset=PUBLISHED_INSTRUMENTS),
        Prefetch("related", queryset=PUBLISHED_INSTRUMENTS),
    )

    def get_context_data(self, **kwargs):
        instrument = self.object
        parent = PUBLISHED_INSTRUMENTS.filter(pk=instrument.parent_id).first()
        practices = instrument.practices.published().select_related("area")
        return super().get_context_data(parent=parent, practices=practices, **kwargs)


class InstitutionDetailView(DetailView):
    queryset = Institution.objects.select_related("country")

    def get_context_data(self, **kwargs):
        participations = self.object.participations.filter(
            instrument__in=PUBLISHED_INSTRUMENTS
        ).select_related("instrument")
        return super().get_context_data(participations=participations, **kwargs)


class TargetGroupDetailView(DetailView):
    queryset = TargetGroup.objects.select_related("parent").prefetch_related("children")

    def get_context_data(self, **kwargs):
        instruments = self.object.instruments.published()
        return super().get_context_data(instruments=instruments, **kwargs)
