from django.db.models import Prefetch
from django.views.generic import DetailView

from .models import Institution, Instrument, Participation, PublicationStatus, TargetGroup


def published_instruments():
    return Instrument.objects.published()


class InstrumentDetailView(DetailView):
    queryset = Instrument.objects.published().prefetch_related(
        Prefetch("participations", queryset=Participation.objects.select_related("institution")),
        "target_groups",
        "places",
        "key_figures",
        Prefetch("legal_basis", queryset=published_instruments()),
        Prefetch("rests_on_it", queryset=published_instruments()),
        Prefetch("children", queryset=published_instruments()),
        Prefetch("related", queryset=published_instruments()),
    )

    def get_context_data(self, **kwargs):
        instrument = self.object
        parent = published_instruments().filter(pk=instrument.parent_id).first()
        practices = instrument.practices.published().select_related("area")
        return super().get_context_data(parent=parent, practices=practices, **kwargs)


class InstitutionDetailView(DetailView):
    queryset = Institution.objects.select_related("country")

    def get_context_data(self, **kwargs):
        participations = self.object.participations.filter(
            instrument__publication_status=PublicationStatus.PUBLISHED
        ).select_related("instrument")
        return super().get_context_data(participations=participations, **kwargs)


class TargetGroupDetailView(DetailView):
    queryset = TargetGroup.objects.select_related("parent").prefetch_related("children")

    def get_context_data(self, **kwargs):
        instruments = self.object.instruments.published()
        return super().get_context_data(instruments=instruments, **kwargs)
