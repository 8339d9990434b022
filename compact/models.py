"""The Global Compact for Safe, Orderly and Regular Migration (A/RES/73/195) and the
Sustainable Development Goals' targets, as official vocabularies, and the crosswalk that
links each practice and instrument to the objectives (and targets) it serves.

The vocabularies carry the official wording and the public document it comes from. The
crosswalk is an editorial classification: the 2017 source predates the Compact and says
nothing about its objectives, so every link carries a rationale and the passage of the
source it rests on, and the pages label it «clasificación editorial».
"""

from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.bilingual import BilingualModel
from core.records import PublicationStatus, QuotedModel
from practices.models import Practice
from programs.models import Instrument

PUBLISHED = PublicationStatus.PUBLISHED
SOURCE_URL_HELP = _("La dirección pública del documento oficial del que se copió el texto.")


class NumberQuerySet(models.QuerySet):
    def get_by_natural_key(self, number):
        return self.get(number=number)


class ObjectiveQuerySet(NumberQuerySet):
    def with_counts(self):
        """Annotate `practice_count` and `instrument_count`: published records linked to
        each objective (zero included)."""
        return self.annotate(
            practice_count=Count(
                "links__practice",
                filter=Q(links__practice__publication_status=PUBLISHED),
                distinct=True,
            ),
            instrument_count=Count(
                "links__instrument",
                filter=Q(links__instrument__publication_status=PUBLISHED),
                distinct=True,
            ),
        )


def official_language():
    """The language whose official text a page shows: the reader's, English or Spanish."""
    return "en" if (get_language() or "").startswith("en") else "es"


class OfficialTexts:
    """The Compact's and the 2030 Agenda's texts are official in both languages, so a page
    shows the reader's own (the `*_es` or `*_en` column), and says which by `text_lang`."""

    def official(self, field):
        return getattr(self, f"{field}_{official_language()}")

    @property
    def text_lang(self):
        return "en" if official_language() == "en" else "es-MX"


class Objective(OfficialTexts, models.Model):
    number = models.PositiveSmallIntegerField(
        _("número"), unique=True, help_text=_("Del 1 al 23, como en el Pacto Mundial.")
    )
    short_title_es = models.CharField(
        _("título breve (español)"),
        max_length=120,
        help_text=_("El título breve que usa la Red de las Naciones Unidas sobre la Migración."),
    )
    short_title_en = models.CharField(_("título breve (inglés)"), max_length=120)
    title_es = models.TextField(
        _("título oficial (español)"), help_text=_("Tal como figura en A/RES/73/195.")
    )
    title_en = models.TextField(_("título oficial (inglés)"))
    source_url = models.URLField(_("fuente"), help_text=SOURCE_URL_HELP)

    objects = ObjectiveQuerySet.as_manager()

    class Meta:
        verbose_name = _("objetivo del Pacto Mundial")
        verbose_name_plural = _("objetivos del Pacto Mundial")
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(number__gte=1, number__lte=23),
                name="compact_objective_number_1_to_23",
                violation_error_message=_("El Pacto Mundial tiene 23 objetivos: del 1 al 23."),
            ),
        ]

    def __str__(self):
        return f"{self.number}. {self.short_title_es}"

    def get_absolute_url(self):
        return reverse("compact:objective", kwargs={"number": self.number})

    @property
    def title(self):
        return self.official("title")

    @property
    def short_title(self):
        return self.official("short_title")

    def natural_key(self):
        return (self.number,)


class GuidingPrinciple(OfficialTexts, models.Model):
    number = models.PositiveSmallIntegerField(
        _("orden"), unique=True, help_text=_("Su lugar en el párrafo 15 del Pacto Mundial.")
    )
    title_es = models.CharField(_("título (español)"), max_length=120)
    title_en = models.CharField(_("título (inglés)"), max_length=120)
    source_url = models.URLField(_("fuente"), help_text=SOURCE_URL_HELP)

    objects = NumberQuerySet.as_manager()

    class Meta:
        verbose_name = _("principio rector del Pacto Mundial")
        verbose_name_plural = _("principios rectores del Pacto Mundial")
        ordering = ["number"]

    def __str__(self):
        return self.title_es

    @property
    def title(self):
        return self.official("title")

    def natural_key(self):
        return (self.number,)


class SDGTargetQuerySet(models.QuerySet):
    def get_by_natural_key(self, code):
        return self.get(code=code)


class SDGTarget(OfficialTexts, models.Model):
    code = models.CharField(
        _("código"), max_length=8, unique=True, help_text=_("Por ejemplo, «10.7» o «10.c».")
    )
    # A Sustainable Development Goal: «goal» in English, where a Compact's is «objective».
    goal = models.PositiveSmallIntegerField(
        pgettext_lazy("objetivo de desarrollo sostenible", "objetivo"), help_text=_("Del 1 al 17.")
    )
    text_es = models.TextField(_("texto oficial (español)"))
    text_en = models.TextField(_("texto oficial (inglés)"))
    source_url = models.URLField(_("fuente"), help_text=SOURCE_URL_HELP)

    objects = SDGTargetQuerySet.as_manager()

    class Meta:
        verbose_name = _("meta de los ODS")
        verbose_name_plural = _("metas de los ODS")
        ordering = ["goal", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(goal__gte=1, goal__lte=17), name="compact_sdgtarget_goal_1_to_17"
            ),
        ]

    def __str__(self):
        return _("Meta %(code)s") % {"code": self.code}

    @property
    def text(self):
        return self.official("text")

    def natural_key(self):
        return (self.code,)


class LinkKind(models.TextChoices):
    PRACTICE = "practica", _("buena práctica")
    INSTRUMENT = "instrumento", _("instrumento")


class ObjectiveLinkQuerySet(models.QuerySet):
    def get_by_natural_key(self, number, kind, slug):
        record = {LinkKind.PRACTICE: "practice__slug", LinkKind.INSTRUMENT: "instrument__slug"}
        return self.get(objective__number=number, **{record[kind]: slug})

    def for_record(self, record):
        """The links of a practice or an instrument, objectives in order."""
        field = "practice" if isinstance(record, Practice) else "instrument"
        return (
            self.filter(**{field: record})
            .select_related("objective")
            .prefetch_related("sdg_targets")
            .order_by("objective__number")
        )

    def published(self):
        """The links whose practice or instrument is published."""
        return self.filter(
            Q(practice__publication_status=PUBLISHED) | Q(instrument__publication_status=PUBLISHED)
        )


class ObjectiveLink(BilingualModel, QuotedModel):
    """An editorial link from a practice or an instrument (exactly one) to an objective."""

    objective = models.ForeignKey(
        Objective, verbose_name=_("objetivo"), on_delete=models.PROTECT, related_name="links"
    )
    practice = models.ForeignKey(
        Practice,
        verbose_name=_("buena práctica"),
        on_delete=models.CASCADE,
        related_name="objective_links",
        null=True,
        blank=True,
    )
    instrument = models.ForeignKey(
        Instrument,
        verbose_name=_("instrumento"),
        on_delete=models.CASCADE,
        related_name="objective_links",
        null=True,
        blank=True,
    )
    sdg_targets = models.ManyToManyField(
        SDGTarget,
        verbose_name=_("metas de los ODS"),
        related_name="links",
        blank=True,
        help_text=_("Las metas de los ODS que el registro sirve, si alguna encaja."),
    )
    rationale = models.TextField(
        _("justificación"),
        help_text=_("Una frase, en español: por qué el registro sirve a este objetivo."),
    )
    source_quote = models.TextField(
        _("cita de la fuente"),
        help_text=_(
            "El pasaje del documento fuente que sustenta el vínculo, copiado tal cual, "
            "incluidas sus erratas."
        ),
    )

    objects = ObjectiveLinkQuerySet.as_manager()

    class Meta:
        verbose_name = _("vínculo con un objetivo")
        verbose_name_plural = _("vínculos con objetivos (clasificación editorial)")
        ordering = ["objective__number", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(practice__isnull=False, instrument__isnull=True)
                | Q(practice__isnull=True, instrument__isnull=False),
                name="compact_objectivelink_one_record",
                violation_error_message=_("Vincule una práctica o un instrumento, no ambos."),
            ),
            models.UniqueConstraint(
                fields=["objective", "practice"],
                condition=Q(practice__isnull=False),
                name="compact_objectivelink_unique_practice",
            ),
            models.UniqueConstraint(
                fields=["objective", "instrument"],
                condition=Q(instrument__isnull=False),
                name="compact_objectivelink_unique_instrument",
            ),
        ]

    def __str__(self):
        return f"{self.record} → {self.objective}"

    @property
    def record(self):
        return self.practice or self.instrument

    @property
    def kind(self):
        return LinkKind.PRACTICE if self.practice_id else LinkKind.INSTRUMENT

    def natural_key(self):
        return (self.objective.number, self.kind.value, self.record.slug)

    natural_key.dependencies = [
        "compact.objective",
        "compact.sdgtarget",
        "practices.practice",
        "programs.instrument",
    ]
