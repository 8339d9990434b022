"""The spine of the knowledge base: the resolution's six thematic areas and,
under each, the good practices Mexico reported, in the source's order."""

from django.db import models
from django.db.models import Count, Prefetch, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.addresses import slug_address
from core.bilingual import BilingualModel
from core.records import (
    PublicationStatus,
    PublishableModel,
    PublishableQuerySet,
    QuotedModel,
    TimeStampedModel,
)
from core.search.searchable import SEARCH_COLUMNS, SearchableModel, SearchableQuerySet
from programs.models import Instrument


class ThematicAreaQuerySet(SearchableQuerySet):
    def get_by_natural_key(self, number):
        return self.get(number=number)

    def with_counts(self):
        """Annotate `practice_count` and `instrument_count`: published ones only."""
        published = Q(practices__publication_status=PublicationStatus.PUBLISHED)
        return self.annotate(
            practice_count=Count("practices", filter=published, distinct=True),
            instrument_count=Count(
                "practices__instruments",
                filter=published
                & Q(practices__instruments__publication_status=PublicationStatus.PUBLISHED),
                distinct=True,
            ),
        )


class PracticeQuerySet(PublishableQuerySet, SearchableQuerySet):
    def for_area_tags(self):
        """Only what an instrument's area tags need of its practices (areas_of)."""
        fields = ("publication_status", "area", "area__number", "area__slug")
        return self.select_related("area").only(*fields)

    def with_instruments(self, prefetch=(), links_only=False):
        """Prefetch each practice's published instruments (and what `prefetch` names of
        them); only what a link to each shows when `links_only`."""
        instruments = Instrument.objects.published().prefetch_related(*prefetch)
        if links_only:
            instruments = instruments.as_links()
        return self.prefetch_related(Prefetch("instruments", queryset=instruments))


def instruments_in_areas(instruments, numbers):
    """Those of `instruments` that belong to a published practice in the areas numbered
    `numbers`. A subquery on primary keys: an instrument of several practices is listed
    once, with no DISTINCT to fight the ordering."""
    in_areas = Practice.objects.published().filter(area__number__in=numbers)
    return instruments.filter(pk__in=in_areas.values("instruments"))


def areas_of(practices):
    """The thematic areas of the published ones of `practices` (an instrument's, read
    with their areas), in order."""
    areas = {
        practice.area
        for practice in practices
        if practice.publication_status == PublicationStatus.PUBLISHED
    }
    return sorted(areas, key=lambda area: area.number)


class ThematicArea(BilingualModel, SearchableModel, QuotedModel, TimeStampedModel):
    number = models.PositiveSmallIntegerField(
        _("número"), unique=True, help_text=_("Del 1 al 6, como en la resolución.")
    )
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    title = models.CharField(_("título breve"), max_length=150, help_text=_("Para menús y listas."))
    resolution_text = models.TextField(
        _("texto de la resolución"),
        help_text=_("El texto del área en la resolución, con las erratas corregidas."),
    )
    source_quote = models.TextField(
        _("cita de la fuente"), help_text=_("El texto del área tal como lo da el documento fuente.")
    )

    objects = ThematicAreaQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=SEARCH_COLUMNS)

    class Meta:
        verbose_name = _("área temática")
        verbose_name_plural = _("áreas temáticas")
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(number__gte=1, number__lte=6),
                name="practices_thematicarea_number_1_to_6",
                violation_error_message=_("La resolución tiene seis áreas: del 1 al 6."),
            ),
        ]

    def __str__(self):
        return f"{self.number}. {self.title}"

    def get_absolute_url(self):
        return slug_address("catalogue:area", self.slug)

    def search_document(self):
        return (self.title, self.resolution_text, "")

    def natural_key(self):
        return (self.number,)


class Practice(BilingualModel, SearchableModel, PublishableModel):
    area = models.ForeignKey(
        ThematicArea,
        verbose_name=_("área temática"),
        on_delete=models.PROTECT,
        related_name="practices",
    )
    position = models.PositiveSmallIntegerField(
        _("orden"), help_text=_("Su lugar dentro del área, en el orden del documento fuente.")
    )
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    title = models.CharField(_("título"), max_length=300)
    summary = models.TextField(_("resumen"), help_text=_("Una o dos frases. Se muestra en listas."))
    body = models.TextField(
        _("texto"), help_text=_("La práctica completa, con erratas corregidas.")
    )
    instruments = models.ManyToManyField(
        "programs.Instrument",
        verbose_name=_("instrumentos"),
        related_name="practices",
        help_text=_("Las leyes, protocolos, programas… de los que consta esta práctica."),
    )

    objects = PracticeQuerySet.as_manager()
    # Links are recorded too, so reverting to a version restores them.
    history = HistoricalRecords(excluded_fields=SEARCH_COLUMNS, m2m_fields=("instruments",))

    class Meta:
        verbose_name = _("buena práctica")
        verbose_name_plural = _("buenas prácticas")
        ordering = ["area__number", "position"]
        # An area's published practices, counted and listed in order, from the index
        # alone (an area page read and sorted 1,600 rows of 10,000 for its first 20).
        indexes = [
            models.Index(
                fields=["area", "publication_status", "position"],
                name="practices_area_published",
            )
        ]
        constraints = [
            *PublishableModel.Meta.constraints,
            models.UniqueConstraint(
                fields=["area", "position"],
                name="practices_practice_unique_position",
                violation_error_message=_("Ya hay una práctica en ese lugar del área."),
            ),
            models.CheckConstraint(
                condition=Q(position__gte=1),
                name="practices_practice_position_positive",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return slug_address("practices:practice", self.slug)

    def search_document(self):
        return (self.title, self.summary, self.body)

    def natural_key(self):
        return (self.slug,)

    natural_key.dependencies = ["practices.thematicarea", "programs.instrument"]
