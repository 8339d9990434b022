"""What the source says of an instrument's course: the kind of each of its dates (a
signing, a launch, a publication, a planned end…) and the status it states, with the
words that state it. Nothing is derived: a record whose source states no status has none,
and a planned end reads as planned."""

from dataclasses import dataclass

from django.db import models
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.records import DatePrecision

from .provenance import instrument_provenance, states_date


class DateKind(models.TextChoices):
    """What a date marks, as the source (or the cited source) says it: a signing, a launch,
    a publication, a planned end… A planned end is not a fact."""

    SIGNED = "firmado", _("firmado")
    LAUNCHED = "lanzado", _("lanzado")
    PUBLISHED = "publicado", _("publicado")
    IN_FORCE_FROM = "en-vigor-desde", _("en vigor desde")
    CREATED = "creado", _("creado")
    STARTED = "iniciado", _("iniciado")
    UNDER_WAY = "en-curso", _("en curso")
    UNSPECIFIED = "sin-precisar", _("fecha sin precisar")
    PLANNED_END = "previsto-hasta", _("previsto hasta")
    CONCLUDED = "concluido", _("concluido")


# A start may be any kind but an end; an end, a conclusion or a planned one. A date the
# source gives without saying what it marks is "sin precisar", at either end.
END_KINDS = (DateKind.PLANNED_END, DateKind.CONCLUDED, DateKind.UNSPECIFIED)
START_KINDS = tuple(kind for kind in DateKind if kind not in END_KINDS[:2])


@dataclass
class StatedDate:
    """A date with what it marks, and the citation it comes from when its record's
    passage does not give it."""

    kind: DateKind
    text: str  # as precise as the source: "2016", "junio de 2016", "14 de octubre de 2016"
    is_day: bool
    citation: str = ""

    @property
    def planned(self):
        return self.kind == DateKind.PLANNED_END

    def __str__(self):
        values = {"kind": self.kind.label, "date": self.text}
        if self.kind == DateKind.UNSPECIFIED:
            return gettext("%(date)s (la fuente no dice qué marca esta fecha)") % values
        if self.kind in (DateKind.IN_FORCE_FROM, DateKind.PLANNED_END):
            # "previsto hasta el 19 de diciembre de 2017", "en vigor desde 2011"
            if self.is_day:
                return gettext("%(kind)s el %(date)s") % values
            return gettext("%(kind)s %(date)s") % values
        if self.is_day:
            return gettext("%(kind)s el %(date)s") % values
        return gettext("%(kind)s en %(date)s") % values


def contains_passage(text, passage):
    """Whether `passage` occurs in `text`, runs of whitespace aside."""
    return " ".join(passage.split()) in " ".join(text.split())


def stated_fact_constraints():
    """The database's hold on the rule: a status only with its passage, a date only with
    its kind."""
    return [
        models.CheckConstraint(
            condition=Q(stated_status="", status_quote="")
            | (~Q(stated_status="") & ~Q(status_quote="")),
            name="programs_instrument_status_has_quote",
            violation_error_message=_(
                "Un estado solo se indica con el pasaje de la fuente que lo declara."
            ),
        ),
        models.CheckConstraint(
            condition=(Q(start_date__isnull=True) & Q(start_kind=""))
            | (Q(start_date__isnull=False) & Q(start_kind__in=[k.value for k in START_KINDS])),
            name="programs_instrument_start_kind_given",
            violation_error_message=_("Una fecha de inicio necesita su tipo."),
        ),
        models.CheckConstraint(
            condition=(Q(end_date__isnull=True) & Q(end_kind=""))
            | (Q(end_date__isnull=False) & Q(end_kind__in=[k.value for k in END_KINDS])),
            name="programs_instrument_end_kind_given",
            violation_error_message=_("Una fecha de término necesita su tipo."),
        ),
    ]


class StatedFactsMixin:
    """An instrument's dates with their kinds, and its stated status, for its pages and
    its validation (fields on Instrument: start_/end_kind, stated_status, status_quote)."""

    @cached_property
    def provenance(self):
        """Which of its groups, places and dates come from its citation, not its passage
        (programs/provenance.py)."""
        return instrument_provenance(self)

    @property
    def stated_dates(self):
        """Its dates as the source gives them, each with what it marks: a StatedDate for
        the start and the end that are known."""
        found = []
        for prefix in ("start", "end"):
            date = getattr(self, f"{prefix}_date")
            if date:
                precision = getattr(self, f"{prefix}_precision")
                in_passage = states_date(self.source_quote, date, precision)
                found.append(
                    StatedDate(
                        DateKind(getattr(self, f"{prefix}_kind")),
                        getattr(self, f"{prefix}_display"),
                        precision == DatePrecision.DAY,
                        "" if in_passage else self.citation,
                    )
                )
        return found

    @property
    def dates_display(self):
        """ "lanzado en junio de 2016", "iniciado el 9 de enero de 2017; previsto hasta el 19
        de diciembre de 2017": what the source says of its dates, in one line."""
        return "; ".join(str(date) for date in self.stated_dates)

    @property
    def planned_end(self):
        """Whether the end is announced ("concluirá…"), not a fact."""
        return self.end_kind == DateKind.PLANNED_END

    def stated_fact_errors(self):
        """{field: message}: a date needs its kind, a status the words that state it."""
        errors = {}
        for prefix in ("start", "end"):
            date, kind = getattr(self, f"{prefix}_date"), getattr(self, f"{prefix}_kind")
            if date and not kind:
                errors[f"{prefix}_kind"] = _("Indique qué marca la fecha según la fuente.")
            elif kind and not date:
                errors[f"{prefix}_date"] = _("Indique la fecha o quite su tipo.")
        return errors | self.status_errors()

    def status_errors(self):
        """A status needs the words of the record's source passage that state it."""
        if self.stated_status and not self.status_quote.strip():
            return {"status_quote": _("Indique el pasaje de la fuente que declara el estado.")}
        if self.status_quote and not self.stated_status:
            return {"stated_status": _("Indique el estado que declara el pasaje, o bórrelo.")}
        if self.status_quote and not contains_passage(self.source_quote, self.status_quote):
            return {
                "status_quote": _(
                    "Este pasaje no está en la cita de la fuente del registro: copie las "
                    "palabras que declaran el estado tal cual."
                )
            }
        return {}
