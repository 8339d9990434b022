"""The instruments of Mexico's good practices and what they link to.

An instrument is any law, protocol, program, campaign, agreement… that a good
practice consists of. One table with a `kind` keeps the catalogue, its facets
and search uniform across kinds.

Every record says where its facts come from: `source_quote` holds the passage
of the source document verbatim (typos included; display fields correct them),
and `citation` names any other public source used.
"""

import calendar
import datetime
import re
from collections import defaultdict

from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, Count, F, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from . import search

# Every change an editor makes is kept, with who and when, and can be reverted from the
# admin. The derived search columns are not worth keeping.
SEARCH_COLUMNS = ["search_a", "search_b", "search_c", "search_key", "search_vector"]

# Enumeration codes that appear in public URLs (kind, status, role…) are
# Spanish, like the site; purely internal ones are English.


class DatePrecision(models.TextChoices):
    YEAR = "year", _("año")
    MONTH = "month", _("mes")
    DAY = "day", _("día")

    def first_day(self, value):
        """The first day of the period `value` falls in, at this precision."""
        if self == DatePrecision.YEAR:
            return value.replace(month=1, day=1)
        if self == DatePrecision.MONTH:
            return value.replace(day=1)
        return value

    def last_day(self, value):
        """The last day of the period `value` falls in, at this precision."""
        if self == DatePrecision.YEAR:
            return value.replace(month=12, day=31)
        if self == DatePrecision.MONTH:
            return value.replace(day=calendar.monthrange(value.year, value.month)[1])
        return value

    def format(self, value):
        """The date as the source gives it: "2016", "junio de 2016", "14 de octubre de 2016"."""
        if self == DatePrecision.YEAR:
            return str(value.year)
        if self == DatePrecision.MONTH:
            return date_format(value, "YEAR_MONTH_FORMAT")
        return date_format(value, "DATE_FORMAT")


class Status(models.TextChoices):
    IN_FORCE = "vigente", _("vigente")
    CONCLUDED = "concluido", _("concluido")
    PLANNED = "previsto", _("previsto")


class PublicationStatus(models.TextChoices):
    DRAFT = "draft", _("borrador")
    PUBLISHED = "published", _("publicado")
    ARCHIVED = "archived", _("archivado")


class PlaceKind(models.TextChoices):
    COUNTRY = "pais", _("país")
    STATE = "estado", _("entidad federativa")


class InstitutionKind(models.TextChoices):
    FEDERAL_GOVERNMENT = "gobierno-federal", _("gobierno federal de México")
    LOCAL_GOVERNMENT = "gobierno-local", _("gobierno estatal o municipal")
    AUTONOMOUS_BODY = "organismo-autonomo", _("organismo autónomo")
    FOREIGN_GOVERNMENT = "gobierno-extranjero", _("gobierno extranjero")
    INTERNATIONAL_ORGANIZATION = "organismo-internacional", _("organismo internacional")
    PRIVATE_SECTOR = "sector-privado", _("sector privado")
    CIVIL_SOCIETY = "sociedad-civil", _("sociedad civil")
    OTHER = "otra", _("otra organización")


class InstrumentKind(models.TextChoices):
    LAW = "ley", _("ley")
    REGULATION = "reglamento", _("reglamento")
    PROTOCOL = "protocolo", _("protocolo")
    PROGRAM = "programa", _("programa")
    SUBPROGRAM = "subprograma", _("subprograma")
    CAMPAIGN = "campana", _("campaña")
    PLATFORM = "plataforma", _("plataforma")
    PUBLICATION = "publicacion", _("publicación")
    MODEL = "modelo", _("modelo")
    PROJECT = "proyecto", _("proyecto")
    INITIATIVE = "iniciativa", _("iniciativa")
    AGREEMENT = "acuerdo", _("acuerdo")
    MEMORANDUM = "memorandum", _("memorándum")
    MECHANISM = "mecanismo", _("mecanismo")
    SERVICE = "servicio", _("servicio")
    MIGRATION_DOCUMENT = "documento-migratorio", _("documento migratorio")
    CERTIFICATION = "certificacion", _("certificación")
    STUDY = "estudio", _("estudio")
    TRAINING = "capacitacion", _("capacitación")


LEGAL_KINDS = (InstrumentKind.LAW, InstrumentKind.REGULATION)


class Role(models.TextChoices):
    LEAD = "responsable", _("responsable")
    COORDINATOR = "coordinador", _("coordinador")
    PARTNER = "socio", _("socio")
    FUNDER = "financiador", _("financiador")
    TECHNICAL_SUPPORT = "apoyo-tecnico", _("apoyo técnico")


def choices_constraint(field, choices, *, allow_blank=False):
    """A CHECK constraint that keeps `field` within `choices` at the database level."""
    condition = Q(**{f"{field}__in": choices.values})
    if allow_blank:
        condition |= Q(**{field: ""})
    return models.CheckConstraint(
        condition=condition, name=f"%(app_label)s_%(class)s_{field}_valid"
    )


def synthetic_flag():
    """Marks the records `generate_corpus` makes for benchmarks: `--clear` removes them and
    `export_fixtures` leaves them out, so they never mix with the source's records."""
    return models.BooleanField(_("sintético"), default=False, editable=False)


class ContentRevisionQuerySet(models.QuerySet):
    def current(self):
        """The knowledge base's revision (number 0 before the first change)."""
        return self.filter(pk=1).first() or ContentRevision(
            pk=1, number=0, changed_at=datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
        )

    def bump(self):
        """Record that the knowledge base changed; called inside the changing transaction."""
        now = timezone.now()
        if not self.filter(pk=1).update(number=F("number") + 1, changed_at=now):
            self.update_or_create(pk=1, defaults={"number": 1, "changed_at": now})


class ContentRevision(models.Model):
    """One row counting the changes to the knowledge base, whichever record changed.

    Every public page depends on the knowledge base as a whole (counts, facets, links), so
    this one number tells whether a cached page or a browser's copy is still current. It
    lives in the database, so every app server and worker sees the same number.
    """

    number = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField()

    objects = ContentRevisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("revisión del contenido")

    def __str__(self):
        return f"{self.number} ({self.changed_at:%Y-%m-%d %H:%M:%S})"

    @property
    def tag(self):
        """Unique even across a reset of `number` (the timestamp changes too)."""
        return f"{self.number}.{int(self.changed_at.timestamp() * 1_000_000)}"


class TimeStampedModel(models.Model):
    # Defaults rather than auto_now: fixtures carry their own timestamps, so
    # loading the same fixtures twice leaves every record unchanged.
    created_at = models.DateTimeField(_("creado"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("actualizado"), default=timezone.now, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.updated_at = timezone.now()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "updated_at"}
        super().save(*args, **kwargs)


class SourcedModel(TimeStampedModel):
    source_quote = models.TextField(
        _("cita de la fuente"),
        blank=True,
        help_text=_(
            "El pasaje del documento fuente que sustenta este registro, copiado tal cual, "
            "incluidas sus erratas."
        ),
    )
    citation = models.TextField(
        _("otra fuente"),
        blank=True,
        help_text=_(
            "Otra fuente pública para los datos que no están en el documento fuente "
            "(título, institución, fecha y dirección)."
        ),
    )

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=~Q(source_quote="") | ~Q(citation=""),
                name="%(app_label)s_%(class)s_has_source",
                violation_error_message=_("Indique la cita de la fuente u otra fuente pública."),
            ),
        ]


class DateRangeModel(models.Model):
    """A start and an end, each at the precision the source gives it.

    A partial date is stored as the widest reading of it: a start as the first
    day of its year or month, an end as the last. "Mayo de 2011" as an end is
    31 May 2011, so comparisons and the derived status stay right.
    """

    start_date = models.DateField(_("fecha de inicio"), null=True, blank=True)
    start_precision = models.CharField(
        _("precisión del inicio"),
        max_length=5,
        choices=DatePrecision.choices,
        blank=True,
        help_text=_("Año, mes o día: tal como lo da la fuente."),
    )
    end_date = models.DateField(_("fecha de término"), null=True, blank=True)
    end_precision = models.CharField(
        _("precisión del término"),
        max_length=5,
        choices=DatePrecision.choices,
        blank=True,
        help_text=_("Año, mes o día: tal como lo da la fuente."),
    )

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=(Q(start_date__isnull=True) & Q(start_precision=""))
                | (Q(start_date__isnull=False) & Q(start_precision__in=DatePrecision.values)),
                name="%(app_label)s_%(class)s_start_precision_given",
                violation_error_message=_("Una fecha de inicio necesita su precisión."),
            ),
            models.CheckConstraint(
                condition=(Q(end_date__isnull=True) & Q(end_precision=""))
                | (Q(end_date__isnull=False) & Q(end_precision__in=DatePrecision.values)),
                name="%(app_label)s_%(class)s_end_precision_given",
                violation_error_message=_("Una fecha de término necesita su precisión."),
            ),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gte=F("start_date")),
                name="%(app_label)s_%(class)s_ends_after_start",
                violation_error_message=_("El término no puede ser anterior al inicio."),
            ),
        ]

    def clean(self):
        super().clean()
        errors = {}
        for prefix, widen in (("start", DatePrecision.first_day), ("end", DatePrecision.last_day)):
            value = getattr(self, f"{prefix}_date")
            precision = getattr(self, f"{prefix}_precision")
            if value and not precision:
                errors[f"{prefix}_precision"] = _("Indique si la fecha es un año, un mes o un día.")
            elif precision and not value:
                errors[f"{prefix}_date"] = _("Indique la fecha o quite la precisión.")
            elif isinstance(value, datetime.date) and precision in DatePrecision.values:
                # Anything else was already rejected by clean_fields(), which full_clean() reports.
                setattr(self, f"{prefix}_date", widen(DatePrecision(precision), value))
        if errors:
            raise ValidationError(errors)

    @property
    def start_display(self):
        if self.start_date is None:
            return ""
        return DatePrecision(self.start_precision).format(self.start_date)

    @property
    def end_display(self):
        if self.end_date is None:
            return ""
        return DatePrecision(self.end_precision).format(self.end_date)


def check_not_own_ancestor(record, message):
    """Raise if following `parent` from `record` leads back to it."""
    seen = set()
    ancestor = record.parent
    while ancestor is not None and ancestor.pk not in seen:
        if record.pk is not None and ancestor.pk == record.pk:
            raise ValidationError({"parent": message})
        seen.add(ancestor.pk)
        ancestor = ancestor.parent


class TreeQuerySet(models.QuerySet):
    """Records in a tree (groups and sub-groups, countries and their states) linked to
    instruments through the many-to-many field `relation` of Instrument."""

    parent_field = relation = None

    def counted(self, instruments=None):
        """The records as a list, each with `instrument_count`: how many of `instruments`
        (by default, the published ones) are linked to it or to anything beneath it, each
        counted once, as the catalogue's filter finds them. Two queries, whatever the
        number of instruments: every record with its direct count, then the distinct
        count of each record that has others beneath it."""
        if instruments is None:
            instruments = Instrument.objects.published()
        instruments = instruments.values("pk")
        linked = Q(instruments__in=instruments)
        nodes = list(self.annotate(instrument_count=Count("instruments", filter=linked)))
        children = defaultdict(list)
        for node in nodes:
            children[getattr(node, f"{self.parent_field}_id")].append(node.pk)
        parents = [node for node in nodes if children[node.pk]]
        if parents:
            field = Instrument._meta.get_field(self.relation)
            instrument, node_key = field.m2m_field_name(), field.m2m_reverse_field_name()
            links = field.remote_field.through.objects.filter(**{f"{instrument}__in": instruments})
            totals = links.aggregate(
                **{
                    str(node.pk): Count(
                        instrument,
                        distinct=True,
                        filter=Q(**{f"{node_key}__in": subtree(children, node.pk)}),
                    )
                    for node in parents
                }
            )
            for node in parents:
                node.instrument_count = totals[str(node.pk)]
        return nodes


class PlaceQuerySet(TreeQuerySet):
    parent_field, relation = "country", "places"

    def get_by_natural_key(self, code):
        return self.get(code=code)


class ParticipationQuerySet(models.QuerySet):
    def get_by_natural_key(self, instrument_slug, institution_slug, role):
        return self.get(
            instrument__slug=instrument_slug, institution__slug=institution_slug, role=role
        )


class KeyFigureQuerySet(models.QuerySet):
    def get_by_natural_key(self, instrument_slug, slug):
        return self.get(instrument__slug=instrument_slug, slug=slug)

    def headlines(self):
        """The figures editors chose for the home page, of published instruments."""
        return self.filter(
            is_headline=True, instrument__publication_status=PublicationStatus.PUBLISHED
        ).select_related("instrument")


def subtree(children, root):
    """`root` and every key beneath it, given a map from each key to its children's."""
    found, pending = set(), [root]
    while pending:
        key = pending.pop()
        if key not in found:
            found.add(key)
            pending.extend(children[key])
    return found


# Groups nest in sub-groups, countries in states: trees kept shallow, so that "this
# node or anything beneath it" is one SQL condition rather than a recursive walk.
MAX_TREE_DEPTH = 4


def in_subtrees(parent_field, roots):
    """A condition for the records that are one of `roots` or lie beneath one."""
    keys = [root.pk for root in roots]
    condition = Q(pk__in=keys)
    path = parent_field
    for _level in range(MAX_TREE_DEPTH):
        condition |= Q(**{f"{path}__in": keys})
        path = f"{path}__{parent_field}"
    return condition


class SearchableQuerySet(models.QuerySet):
    def search(self, query):
        """Records matching `query` (a parsed `search.Query`), annotated with their
        relevance; see programs/search.py."""
        return search.search(self, query)


class SlugQuerySet(SearchableQuerySet):
    """Records whose natural key, in fixtures and URLs, is their slug."""

    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class PublishableQuerySet(SlugQuerySet):
    def published(self):
        return self.filter(publication_status=PublicationStatus.PUBLISHED)

    def visible_to(self, user):
        """What `user` may open: everything for staff (drafts carry a banner), the
        published records for everyone else."""
        return self if user.is_staff else self.published()


class InstrumentQuerySet(PublishableQuerySet):
    # Many-to-many filters go through a subquery on primary keys, so an instrument
    # matching several values is listed once, with no DISTINCT to fight the ordering.

    def _with_pks_in(self, queryset):
        return self.filter(pk__in=queryset.values("pk"))

    def in_areas(self, numbers):
        """Instruments of the published practices in the areas numbered `numbers`."""
        return self._with_pks_in(
            Instrument.objects.filter(
                practices__area__number__in=numbers,
                practices__publication_status=PublicationStatus.PUBLISHED,
            )
        )

    def for_target_groups(self, groups):
        """Instruments for any of `groups`, sub-groups included."""
        subtree = TargetGroup.objects.filter(in_subtrees("parent", groups))
        return self._with_pks_in(Instrument.objects.filter(target_groups__in=subtree))

    def for_institutions(self, institutions):
        return self._with_pks_in(Instrument.objects.filter(institutions__in=institutions))

    def for_places(self, places):
        """Instruments in any of `places`; a country includes its states."""
        subtree = Place.objects.filter(in_subtrees("country", places))
        return self._with_pks_in(Instrument.objects.filter(places__in=subtree))

    def with_status(self):
        """Annotate `current_status`: the stated status, or the one the dates give today."""
        today = timezone.localdate()
        return self.annotate(
            current_status=Case(
                When(~Q(stated_status=""), then=F("stated_status")),
                When(start_date__gt=today, then=Value(Status.PLANNED)),
                When(end_date__lt=today, then=Value(Status.CONCLUDED)),
                default=Value(Status.IN_FORCE),
                output_field=models.CharField(),
            )
        )

    def with_any_status(self, statuses):
        return self.with_status().filter(current_status__in=statuses)

    def active_between(self, first_year=None, last_year=None):
        """Dated instruments whose period overlaps the years given (either may be open)."""
        queryset = self.filter(start_date__isnull=False)
        if last_year is not None:
            queryset = queryset.filter(start_date__year__lte=last_year)
        if first_year is not None:
            queryset = queryset.filter(Q(end_date__isnull=True) | Q(end_date__year__gte=first_year))
        return queryset


class SearchableModel(models.Model):
    """A record the site's search finds. Its analyzed text (see programs/search.py) is
    refreshed on every save, so admin edits are searchable at once; loaddata skips save(),
    which is why loading ends with `rebuild_search_index`."""

    search_a = models.TextField(editable=False, blank=True)
    search_b = models.TextField(editable=False, blank=True)
    search_c = models.TextField(editable=False, blank=True)
    search_key = models.CharField(editable=False, blank=True, max_length=300)
    # Kept by a PostgreSQL trigger (search.VECTOR_FUNCTION); empty on SQLite.
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        texts = self.refresh_search_fields()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {
                *kwargs["update_fields"],
                "search_a",
                "search_b",
                "search_c",
                "search_key",
            }
        super().save(*args, **kwargs)
        SearchTerm.objects.add_words(" ".join(texts))

    def search_document(self):
        """The record's text by weight: (its name, its summary, its body)."""
        raise NotImplementedError

    def refresh_search_fields(self):
        heading, summary, body = self.search_document()
        heading_and_acronym = f"{heading} {getattr(self, 'acronym', '')}"
        self.search_a = search.analyze(heading_and_acronym)
        self.search_b = search.analyze(summary)
        self.search_c = search.analyze(body)
        self.search_key = search.normalize(heading)[:300]
        return (heading_and_acronym, summary, body)


class PublishableModel(SourcedModel):
    """A record the public sees only once an editor publishes it."""

    publication_status = models.CharField(
        _("publicación"),
        max_length=10,
        choices=PublicationStatus.choices,
        default=PublicationStatus.DRAFT,
    )

    objects = PublishableQuerySet.as_manager()

    class Meta:
        abstract = True
        constraints = [
            *SourcedModel.Meta.constraints,
            choices_constraint("publication_status", PublicationStatus),
        ]


class Place(SourcedModel):
    code = models.CharField(
        _("código"),
        max_length=6,
        unique=True,
        help_text=_("ISO 3166-1 para países (MX), ISO 3166-2 para entidades (MX-CHP)."),
    )
    name = models.CharField(_("nombre"), max_length=100)
    kind = models.CharField(_("tipo"), max_length=6, choices=PlaceKind.choices)
    country = models.ForeignKey(
        "self",
        verbose_name=_("país"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="states",
        limit_choices_to={"kind": PlaceKind.COUNTRY},
        help_text=_("Solo para entidades federativas: el país al que pertenecen."),
    )
    is_synthetic = synthetic_flag()

    objects = PlaceQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("lugar")
        verbose_name_plural = _("lugares")
        ordering = ["kind", "name"]
        constraints = [
            *SourcedModel.Meta.constraints,
            choices_constraint("kind", PlaceKind),
            models.CheckConstraint(
                condition=Q(kind=PlaceKind.COUNTRY, country__isnull=True)
                | Q(kind=PlaceKind.STATE, country__isnull=False),
                name="programs_place_state_has_country",
                violation_error_message=_("Una entidad federativa pertenece a un país."),
            ),
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.code,)


class Institution(SearchableModel, SourcedModel):
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    name = models.CharField(_("nombre"), max_length=200)
    acronym = models.CharField(_("siglas"), max_length=20, blank=True)
    kind = models.CharField(_("tipo"), max_length=30, choices=InstitutionKind.choices)
    country = models.ForeignKey(
        Place,
        verbose_name=_("país"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="institutions",
        limit_choices_to={"kind": PlaceKind.COUNTRY},
        help_text=_("Vacío para los organismos internacionales."),
    )
    description = models.TextField(_("descripción"), blank=True)
    is_synthetic = synthetic_flag()

    objects = SlugQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=SEARCH_COLUMNS)

    class Meta:
        verbose_name = _("institución")
        verbose_name_plural = _("instituciones")
        ordering = ["name"]
        constraints = [
            *SourcedModel.Meta.constraints,
            choices_constraint("kind", InstitutionKind),
            models.UniqueConstraint(
                fields=["acronym"],
                condition=~Q(acronym=""),
                name="programs_institution_unique_acronym",
                violation_error_message=_("Ya existe una institución con estas siglas."),
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.acronym})" if self.acronym else self.name

    def get_absolute_url(self):
        return reverse("programs:institution", kwargs={"slug": self.slug})

    def search_document(self):
        return (self.name, self.description, "")

    def natural_key(self):
        return (self.slug,)


class TargetGroupQuerySet(TreeQuerySet, SlugQuerySet):
    parent_field, relation = "parent", "target_groups"


class TargetGroup(SearchableModel, SourcedModel):
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    name = models.CharField(_("nombre"), max_length=200)
    acronym = models.CharField(_("siglas"), max_length=20, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("grupo superior"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text=_("El grupo más amplio que lo incluye; filtrar por aquel incluye a este."),
    )
    description = models.TextField(_("descripción"), blank=True)

    objects = TargetGroupQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=SEARCH_COLUMNS)

    class Meta:
        verbose_name = _("grupo de población")
        verbose_name_plural = _("grupos de población")
        ordering = ["name"]
        constraints = [
            *SourcedModel.Meta.constraints,
            models.UniqueConstraint(
                fields=["acronym"],
                condition=~Q(acronym=""),
                name="programs_targetgroup_unique_acronym",
                violation_error_message=_("Ya existe un grupo con estas siglas."),
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("programs:target_group", kwargs={"slug": self.slug})

    def search_document(self):
        return (self.name, self.description, "")

    def natural_key(self):
        return (self.slug,)

    def clean(self):
        super().clean()
        check_not_own_ancestor(self, _("Un grupo no puede estar dentro de sí mismo."))
        depth, ancestor = 0, self.parent
        while ancestor is not None and depth <= MAX_TREE_DEPTH:
            depth, ancestor = depth + 1, ancestor.parent
        if depth > MAX_TREE_DEPTH:
            raise ValidationError(
                {
                    "parent": _("Los grupos admiten como máximo %(levels)s niveles de subgrupos.")
                    % {"levels": MAX_TREE_DEPTH}
                }
            )


class Instrument(SearchableModel, PublishableModel, DateRangeModel):
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    name = models.CharField(_("nombre"), max_length=300)
    acronym = models.CharField(_("siglas"), max_length=20, blank=True)
    kind = models.CharField(_("tipo"), max_length=30, choices=InstrumentKind.choices)
    summary = models.TextField(
        _("resumen"), help_text=_("Una o dos frases: qué es y para quién. Se muestra en listas.")
    )
    description = models.TextField(_("descripción"), blank=True)
    stated_status = models.CharField(
        _("estado declarado"),
        max_length=10,
        choices=Status.choices,
        blank=True,
        help_text=_(
            "Déjelo vacío para derivar el estado de las fechas; indíquelo solo cuando la "
            "fuente lo declare (p. ej. un programa propuesto)."
        ),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("forma parte de"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    legal_basis = models.ManyToManyField(
        "self",
        verbose_name=_("fundamento legal"),
        symmetrical=False,
        blank=True,
        related_name="rests_on_it",
        limit_choices_to={"kind__in": LEGAL_KINDS},
        help_text=_("Las leyes o reglamentos en los que se sustenta."),
    )
    related = models.ManyToManyField(
        "self", verbose_name=_("relacionados"), symmetrical=True, blank=True
    )
    target_groups = models.ManyToManyField(
        TargetGroup, verbose_name=_("grupos de población"), related_name="instruments"
    )
    places = models.ManyToManyField(
        Place, verbose_name=_("lugares"), blank=True, related_name="instruments"
    )
    institutions = models.ManyToManyField(
        Institution,
        verbose_name=_("instituciones"),
        through="Participation",
        related_name="instruments",
    )
    is_synthetic = synthetic_flag()

    objects = InstrumentQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=SEARCH_COLUMNS)

    class Meta:
        verbose_name = _("instrumento")
        verbose_name_plural = _("instrumentos")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["name"], name="programs_instrument_name"),
            # Lets PostgreSQL count and facet the published instruments from the index
            # alone, without reading the wide rows (SQLite ignores `include`).
            models.Index(
                fields=["publication_status", "kind", "id"],
                include=["stated_status", "start_date", "end_date"],
                name="programs_instrument_published",
            ),
        ]
        constraints = [
            *PublishableModel.Meta.constraints,
            *DateRangeModel.Meta.constraints,
            choices_constraint("kind", InstrumentKind),
            choices_constraint("stated_status", Status, allow_blank=True),
            models.UniqueConstraint(
                fields=["acronym"],
                condition=~Q(acronym=""),
                name="programs_instrument_unique_acronym",
                violation_error_message=_("Ya existe un instrumento con estas siglas."),
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.acronym})" if self.acronym else self.name

    def get_absolute_url(self):
        return reverse("programs:instrument", kwargs={"slug": self.slug})

    def natural_key(self):
        return (self.slug,)

    def search_document(self):
        return (self.name, self.summary, self.description)

    @property
    def areas(self):
        """The thematic areas of the instrument's published practices, in order.
        Meant for lists that prefetch `practices__area`."""
        areas = {
            practice.area
            for practice in self.practices.all()
            if practice.publication_status == PublicationStatus.PUBLISHED
        }
        return sorted(areas, key=lambda area: area.number)

    @property
    def status(self):
        """The stated status, or the one the dates give today."""
        if self.stated_status:
            return Status(self.stated_status)
        today = timezone.localdate()
        if self.start_date and self.start_date > today:
            return Status.PLANNED
        if self.end_date and self.end_date < today:
            return Status.CONCLUDED
        return Status.IN_FORCE

    def clean(self):
        super().clean()
        check_not_own_ancestor(self, _("Un instrumento no puede formar parte de sí mismo."))


class Participation(models.Model):
    """An institution's role in an instrument."""

    instrument = models.ForeignKey(
        Instrument,
        verbose_name=_("instrumento"),
        on_delete=models.CASCADE,
        related_name="participations",
    )
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institución"),
        on_delete=models.PROTECT,
        related_name="participations",
    )
    role = models.CharField(_("papel"), max_length=20, choices=Role.choices)
    citation = models.TextField(
        _("otra fuente"),
        blank=True,
        help_text=_("Vacío si el documento fuente lo sustenta; si no, la fuente pública."),
    )

    objects = ParticipationQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("participación")
        verbose_name_plural = _("participaciones")
        ordering = ["instrument__name", "role", "institution__name"]
        constraints = [
            choices_constraint("role", Role),
            models.UniqueConstraint(
                fields=["instrument", "institution", "role"],
                name="programs_participation_unique_role",
            ),
        ]

    def __str__(self):
        return f"{self.institution} — {self.get_role_display()} — {self.instrument}"

    def natural_key(self):
        return (self.instrument.slug, self.institution.slug, self.role)

    natural_key.dependencies = ["programs.instrument", "programs.institution"]


class KeyFigure(TimeStampedModel, DateRangeModel):
    """A number the source reports for an instrument, with what it counts and when."""

    instrument = models.ForeignKey(
        Instrument,
        verbose_name=_("instrumento"),
        on_delete=models.CASCADE,
        related_name="key_figures",
    )
    slug = models.SlugField(_("slug"), max_length=80, help_text=_("Único dentro del instrumento."))
    value = models.DecimalField(_("valor"), max_digits=14, decimal_places=2)
    unit = models.CharField(_("unidad"), max_length=100, help_text=_("Por ejemplo: personas."))
    measure = models.CharField(
        _("qué se cuenta"), max_length=300, help_text=_("Por ejemplo: extranjeros beneficiados.")
    )
    source_quote = models.TextField(
        _("cita de la fuente"),
        help_text=_("El pasaje del documento fuente con la cifra, tal cual."),
    )
    position = models.PositiveSmallIntegerField(_("orden"), default=1)
    is_headline = models.BooleanField(
        _("destacada"), default=False, help_text=_("Se muestra entre las cifras de la portada.")
    )

    objects = KeyFigureQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("cifra clave")
        verbose_name_plural = _("cifras clave")
        ordering = ["instrument__name", "position"]
        constraints = [
            *DateRangeModel.Meta.constraints,
            models.UniqueConstraint(
                fields=["instrument", "slug"], name="programs_keyfigure_unique_slug"
            ),
            models.CheckConstraint(
                condition=~Q(unit=""),
                name="programs_keyfigure_has_unit",
                violation_error_message=_("Una cifra necesita su unidad."),
            ),
            models.CheckConstraint(
                condition=~Q(source_quote=""),
                name="programs_keyfigure_has_source",
                violation_error_message=_("Una cifra necesita su cita de la fuente."),
            ),
        ]

    def __str__(self):
        return f"{self.measure}: {self.value.normalize():f} {self.unit}"

    def get_absolute_url(self):
        return f"{self.instrument.get_absolute_url()}#cifra-{self.slug}"

    def natural_key(self):
        return (self.instrument.slug, self.slug)

    natural_key.dependencies = ["programs.instrument"]


class SynonymQuerySet(models.QuerySet):
    def get_by_natural_key(self, terms):
        return self.get(terms=terms)


class Synonym(TimeStampedModel):
    """Words or phrases a reader may type for the same thing. Search treats every one of
    them as any of the others."""

    terms = models.TextField(
        _("términos equivalentes"),
        help_text=_(
            "Palabras o frases separadas por comas, p. ej.: retornados, repatriados, migrantes "
            "de retorno. Puede incluir palabras en inglés (children, trafficking) para lectores "
            "que no escriben en español."
        ),
    )

    objects = SynonymQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sinónimo")
        verbose_name_plural = _("sinónimos")
        ordering = ["terms"]

    def __str__(self):
        return self.terms

    def phrases(self):
        """Each equivalent, analyzed: a tuple of terms."""
        return [
            tuple(search.analyze(term).split()) for term in self.terms.split(",") if term.strip()
        ]

    def natural_key(self):
        return (self.terms,)


class SearchTermManager(models.Manager):
    def add_words(self, text):
        """Record the words of `text` in the vocabulary that typo tolerance and "did you
        mean" draw on (a word already there is left alone)."""
        found = {}
        for token in re.findall(r"\w+", text):
            word = search.normalize(token)
            if word.isalpha() and word not in search.STOP_WORDS and len(word) > 2:
                found.setdefault(word, token.casefold())
        self.bulk_create(
            [
                SearchTerm(word=word, display=display, stem=search.stem(word), length=len(word))
                for word, display in found.items()
            ],
            ignore_conflicts=True,
            batch_size=500,
        )


class SearchTerm(models.Model):
    """One word of the search vocabulary, as indexed."""

    word = models.CharField(max_length=100, unique=True, help_text="Normalized: ninos")
    display = models.CharField(max_length=100, help_text="As written: niños")
    stem = models.CharField(max_length=100, db_index=True)
    length = models.PositiveSmallIntegerField(db_index=True)

    objects = SearchTermManager()

    class Meta:
        verbose_name = _("término de búsqueda")
        verbose_name_plural = _("vocabulario de búsqueda")
        ordering = ["word"]

    def __str__(self):
        return self.display
