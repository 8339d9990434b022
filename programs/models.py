"""The instruments of Mexico's good practices and what they link to.

An instrument is any law, protocol, program, campaign, agreement… that a good
practice consists of. One table with a `kind` keeps the catalogue, its facets
and search uniform across kinds.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, F, Q, Value
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.addresses import slug_address
from core.bilingual import BilingualModel, columns_of
from core.records import (
    ChoiceLabelsModel,
    DateRangeModel,
    PublicationStatus,
    PublishableModel,
    PublishableQuerySet,
    QuotedModel,
    SlugQuerySet,
    SourcedModel,
    TimeStampedModel,
    choices_constraint,
)
from core.search.searchable import SEARCH_COLUMNS, SearchableModel, SearchableQuerySet
from core.trees import (
    MAX_TREE_DEPTH,
    check_not_own_ancestor,
    children_map,
    depth,
    in_subtrees,
    subtree_keys,
)

from .stated import (  # noqa: F401 - DateKind and its groups are re-exported
    END_KINDS,
    START_KINDS,
    DateKind,
    StatedFactsMixin,
    stated_fact_constraints,
)

# Enumeration codes that appear in public URLs (kind, status, role…) are
# Spanish, like the site; purely internal ones are English.


class Status(models.TextChoices):
    IN_FORCE = "vigente", _("vigente")
    CONCLUDED = "concluido", _("concluido")
    PLANNED = "previsto", _("previsto")


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
        children = children_map(nodes, self.parent_field)
        keys = {parent: [node.pk for node in nodes] for parent, nodes in children.items()}
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
                        filter=Q(**{f"{node_key}__in": subtree_keys(keys, node.pk)}),
                    )
                    for node in parents
                }
            )
            for node in parents:
                node.instrument_count = totals[str(node.pk)]
        return nodes


class PlaceQuerySet(TreeQuerySet):
    parent_field, relation = "country", "places"

    def as_instrument_facts(self):
        """Only what an instrument's page and its rows in the downloads show of a place
        (its name, kind and code) and what tells whether the instrument's passage names it."""
        return self.only("code", "kind", "source_terms", *columns_of("name"))

    def get_by_natural_key(self, code):
        return self.get(code=code)


class ParticipationQuerySet(models.QuerySet):
    def as_instrument_facts(self):
        """Only what an instrument's page shows of its participations: each role, its
        citation, and the institution's name and address."""
        return self.select_related("institution").only(
            "instrument", "role", *columns_of("citation"),
            "institution__slug", "institution__acronym", *columns_of("institution__name"),
        )  # fmt: skip

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


class InstrumentQuerySet(PublishableQuerySet, SearchableQuerySet):
    # Many-to-many filters go through a subquery on primary keys, so an instrument
    # matching several values is listed once, with no DISTINCT to fight the ordering.

    def _with_pks_in(self, queryset):
        return self.filter(pk__in=queryset.values("pk"))

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

    def linked_to(self, instrument):
        """The instruments of this queryset linked to `instrument`, each with `link`: the
        name of the relation that links it ("parent", "children", "legal_basis",
        "rests_on_it" or "related"), in one query where a prefetch per relation took four."""
        relations = {
            "parent": Q(pk=instrument.parent_id),
            "children": Q(parent=instrument),
            "legal_basis": Q(rests_on_it=instrument),
            "rests_on_it": Q(legal_basis=instrument),
            "related": Q(related=instrument),
        }
        parts = [
            self.filter(condition).annotate(link=Value(name)).order_by()
            for name, condition in relations.items()
        ]
        return parts[0].union(*parts[1:], all=True).order_by("link", "name")

    def as_links(self, *more):
        """Only what a link to an instrument shows (its name in both languages, acronym
        and kind), and the columns `more`: a page that links to many reads none of their
        long texts."""
        return self.only("slug", "acronym", "kind", *columns_of("name"), *more)

    def with_any_status(self, statuses):
        """Instruments whose source states one of `statuses`. No status is derived from
        the dates: a record with none stated has none."""
        return self.filter(stated_status__in=statuses)

    def active_between(self, first_year=None, last_year=None):
        """Dated instruments whose period overlaps the years given (either may be open)."""
        queryset = self.filter(start_date__isnull=False)
        if last_year is not None:
            queryset = queryset.filter(start_date__year__lte=last_year)
        if first_year is not None:
            queryset = queryset.filter(Q(end_date__isnull=True) | Q(end_date__year__gte=first_year))
        return queryset


class Place(BilingualModel, SourcedModel):
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
    source_terms = models.TextField(
        _("términos de la fuente"),
        blank=True,
        help_text=_(
            "Otras palabras con que la fuente nombra este lugar (p. ej. «beliceña»), "
            "una por línea; un instrumento se vincula al lugar solo si su pasaje lo nombra."
        ),
    )

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


class InstitutionQuerySet(SlugQuerySet, SearchableQuerySet):
    pass


class Institution(BilingualModel, SearchableModel, SourcedModel):
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
    source_terms = models.TextField(
        _("términos de la fuente"),
        blank=True,
        help_text=_(
            "Otras palabras con que la fuente nombra esta institución (p. ej. «el gobierno "
            "de México»), una por línea; su papel en un instrumento se sustenta en el pasaje "
            "que la nombra o en la fuente que cite la participación."
        ),
    )

    objects = InstitutionQuerySet.as_manager()
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
        return slug_address("programs:institution", self.slug)

    def search_document(self):
        return (self.name, self.description, "")

    def natural_key(self):
        return (self.slug,)


class TargetGroupQuerySet(TreeQuerySet, SlugQuerySet, SearchableQuerySet):
    parent_field, relation = "parent", "target_groups"

    def as_links(self):
        """Only what a link to a group shows: its name in both languages."""
        return self.only("slug", *columns_of("name"))

    def as_instrument_facts(self):
        """Only what an instrument's page shows of a group (its link, the group above
        it) and what tells whether the instrument's passage names it."""
        return self.select_related("parent").only(
            "slug", "acronym", "source_terms", *columns_of("name"),
            "parent__slug", *columns_of("parent__name"),
        )  # fmt: skip


class TargetGroup(BilingualModel, SearchableModel, SourcedModel):
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
    source_terms = models.TextField(
        _("términos de la fuente"),
        blank=True,
        help_text=_(
            "Otras palabras con que la fuente nombra este grupo (p. ej. «NNA», «menores de "
            "edad»), una por línea; un instrumento se vincula al grupo solo si su pasaje lo "
            "nombra."
        ),
    )

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
        return slug_address("catalogue:target_group", self.slug)

    def search_document(self):
        return (self.name, self.description, "")

    def natural_key(self):
        return (self.slug,)

    def clean(self):
        super().clean()
        check_not_own_ancestor(self, "parent", _("Un grupo no puede estar dentro de sí mismo."))
        if depth(self, "parent") > MAX_TREE_DEPTH:
            raise ValidationError(
                {
                    "parent": _("Los grupos admiten como máximo %(levels)s niveles de subgrupos.")
                    % {"levels": MAX_TREE_DEPTH}
                }
            )


class Instrument(
    BilingualModel, StatedFactsMixin, SearchableModel, PublishableModel, DateRangeModel
):
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
            "Solo si la fuente lo declara, con el pasaje que lo dice; si no, vacío: "
            "el sitio no deduce ningún estado de las fechas."
        ),
    )
    status_quote = models.TextField(
        _("pasaje del estado"),
        blank=True,
        help_text=_(
            "Las palabras de la cita de la fuente que declaran el estado, tal cual "
            "(p. ej. «finalizó en mayo de 2011»)."
        ),
    )
    start_kind = models.CharField(
        _("tipo de fecha de inicio"),
        max_length=20,
        choices=[(kind.value, kind.label) for kind in START_KINDS],
        blank=True,
        help_text=_("Lo que marca la fecha según la fuente: firmado, lanzado, publicado…"),
    )
    end_kind = models.CharField(
        _("tipo de fecha de término"),
        max_length=20,
        choices=[(kind.value, kind.label) for kind in END_KINDS],
        blank=True,
        help_text=_("Concluido, o previsto hasta (un término anunciado, no un hecho)."),
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
    # Only the groups its source names: a record whose passage names none has none.
    target_groups = models.ManyToManyField(
        TargetGroup, verbose_name=_("grupos de población"), blank=True, related_name="instruments"
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

    objects = InstrumentQuerySet.as_manager()
    # Links are recorded too, so reverting to a version restores them. (Institutions are
    # linked through Participation, which has a history of its own.)
    history = HistoricalRecords(
        excluded_fields=SEARCH_COLUMNS,
        m2m_fields=("legal_basis", "related", "target_groups", "places"),
    )

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
            # The home page's latest changes, without sorting every instrument.
            models.Index(
                F("updated_at").desc(),
                "name",
                condition=Q(publication_status=PublicationStatus.PUBLISHED),
                name="programs_instrument_recent",
            ),
        ]
        constraints = [
            *PublishableModel.Meta.constraints,
            *DateRangeModel.Meta.constraints,
            choices_constraint("kind", InstrumentKind),
            choices_constraint("stated_status", Status, allow_blank=True),
            *stated_fact_constraints(),
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
        return slug_address("programs:instrument", self.slug)

    def natural_key(self):
        return (self.slug,)

    def search_document(self):
        # The source's own passage is part of the record's text: it is what the record
        # is about, in the source's words.
        return (self.name, self.summary, f"{self.description}\n{self.source_quote}")

    @property
    def status(self):
        """The status the source states, or None: none is derived from the dates."""
        return Status(self.stated_status) if self.stated_status else None

    def clean(self):
        super().clean()
        check_not_own_ancestor(
            self, "parent", _("Un instrumento no puede formar parte de sí mismo.")
        )
        if errors := self.stated_fact_errors():
            raise ValidationError(errors)


class Participation(ChoiceLabelsModel, BilingualModel):
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


class KeyFigure(BilingualModel, QuotedModel, TimeStampedModel, DateRangeModel):
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
        # The home page's figures, without reading every figure.
        indexes = [
            models.Index(
                fields=["instrument"], condition=Q(is_headline=True), name="programs_headline"
            )
        ]
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
