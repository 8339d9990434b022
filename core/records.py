"""What every record of the knowledge base shares: timestamps, sources, a publication
state, dates at the precision the source gives them.

Every record says where its facts come from: `source_quote` holds the passage of the
source document verbatim (typos included; display fields correct them), and `citation`
names any other public source used.

Enumeration codes that appear in public URLs (kind, status, role…) are Spanish, like
the site; purely internal ones are English.
"""

import calendar
import datetime
import functools

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.signals import pre_save
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.formats import date_format
from django.utils.translation import get_language, override
from django.utils.translation import gettext_lazy as _


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


class PublicationStatus(models.TextChoices):
    DRAFT = "draft", _("borrador")
    PUBLISHED = "published", _("publicado")
    ARCHIVED = "archived", _("archivado")


def choices_constraint(field, choices, *, allow_blank=False):
    """A CHECK constraint that keeps `field` within `choices` at the database level."""
    condition = Q(**{f"{field}__in": choices.values})
    if allow_blank:
        condition |= Q(**{field: ""})
    return models.CheckConstraint(
        condition=condition, name=f"%(app_label)s_%(class)s_{field}_valid"
    )


def text_fields(model):
    """The names of `model`'s own text columns (char and text fields)."""
    return [
        field.attname
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField)
    ]


def lf_line_endings(sender, instance, **kwargs):
    """Before any save (an admin form, the fixture loader, the shell), every text field's
    line endings become LF: browsers send CRLF, and a quote or an export must not change
    because of how it was typed (pre_save)."""
    for name in text_fields(sender):
        value = getattr(instance, name)
        if isinstance(value, str) and "\r" in value:
            setattr(instance, name, value.replace("\r\n", "\n").replace("\r", "\n"))


def keep_lf_line_endings(models_):
    for model in models_:
        pre_save.connect(lf_line_endings, sender=model, dispatch_uid=f"lf-{model._meta.label}")


@functools.cache
def choice_labels(field, language):
    """{value: label as text in `language`} of a field with choices."""
    with override(language):
        return {value: str(label) for value, label in field.flatchoices}


class ChoiceLabelsModel(models.Model):
    """`get_FOO_display()` from a table built once per field and language. Django builds
    it again on every call, hashing (and so translating) every lazy label of the field: a
    third of a millisecond a call, and an area page at 100,000 instruments makes 158
    calls; a lazy label kept in the table was still translated on each call."""

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field):
        value = getattr(self, field.attname)
        try:
            label = choice_labels(field, get_language()).get(value, value)
        except TypeError:  # an unhashable value, which no choice can be
            label = value
        return force_str(label, strings_only=True)


class TimeStampedModel(ChoiceLabelsModel):
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


def quote_errors(record):
    """{field: message} for a record whose quote has no source, or a source without its
    text, or is not in that text (line endings and runs of whitespace aside)."""
    quote = getattr(record, "source_quote", "")
    if not quote or not quote.strip():
        return {}
    source = record.source if record.source_id else None
    if source is None:
        return {"source": _("Indique el documento fuente del que viene la cita.")}
    if not source.has_text():
        return {
            "source": _(
                "«%(source)s» no tiene su texto completo en el repositorio, así que la cita "
                "no se puede comprobar. Elija un documento con texto."
            )
            % {"source": source}
        }
    if not source.contains(quote):
        return {
            "source_quote": _(
                "Esta cita no aparece en «%(source)s». Cópiela tal cual del documento, erratas "
                "incluidas: solo pueden cambiar los saltos de línea y los espacios."
            )
            % {"source": source}
        }
    return {}


class QuotedModel(models.Model):
    """A record that quotes a source document (`source_quote`, declared by the record
    type or by SourcedModel): `source` names the document, and validation checks that
    the quote occurs in its text."""

    source = models.ForeignKey(
        "core.Source",
        verbose_name=_("documento fuente"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("El documento del que viene la cita."),
    )
    # Not a translatable field (core/bilingual.py): the quote itself is shown in Spanish on
    # every page, and this is shown beside it on English pages, labelled as a translation.
    source_quote_english = models.TextField(
        _("la cita, traducida al inglés"),
        blank=True,
        help_text=_(
            "Se muestra junto a la cita en las páginas en inglés, como traducción: la cita "
            "misma queda en español."
        ),
    )

    class Meta:
        abstract = True

    def clean(self):
        errors = quote_errors(self)
        try:
            super().clean()
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def full_clean(self, exclude=None, validate_unique=True, validate_constraints=True):
        """As Django's, except that an error about a field the form leaves out (a form
        without `source`, say) is reported for the form as a whole rather than lost in a
        ValueError."""
        try:
            super().full_clean(exclude, validate_unique, validate_constraints)
        except ValidationError as error:
            if not hasattr(error, "error_dict") or not exclude:
                raise
            shown = {}
            for field, messages in error.error_dict.items():
                key = NON_FIELD_ERRORS if field in exclude else field
                shown.setdefault(key, []).extend(messages)
            raise ValidationError(shown) from error


class SourcedModel(QuotedModel, TimeStampedModel):
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


class SlugQuerySet(models.QuerySet):
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

    def ever_public(self):
        """Whether this record is, or may ever have been, published: it is not a draft
        now, or some version in its history is not, or its history does not reach back to
        its creation (records loaded from fixtures, which write no history, unpublished
        since)."""
        if self.publication_status != PublicationStatus.DRAFT:
            return True
        history = self.history.all()
        return (
            history.exclude(publication_status=PublicationStatus.DRAFT).exists()
            or not history.filter(history_type="+").exists()
        )
