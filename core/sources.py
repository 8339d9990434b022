"""The documents the knowledge base is built from, as records.

A `Source` is one document: its title, who issued it, when, in which language, where the
public can read it and under which licence, as far as the document or the repository
states them. A source shipped with the repository has its full text in
fixtures/source/; every quote of a record must occur in that text. Adding another
country's contribution is data alone: its text file and a `Source` record.
"""

import json
import re
from functools import lru_cache

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.bilingual import BilingualModel

from .records import DatePrecision, QuotedModel, SlugQuerySet, TimeStampedModel

TEXT_FILE = re.compile(r"[a-z0-9][a-z0-9._-]*\.txt")
_SPACE = re.compile(r"\s+")


def normalize_space(text):
    """`text` with its line endings and every run of whitespace made one space, and
    nothing else changed: what a quote and its source are compared as."""
    return _SPACE.sub(" ", text).strip()


@lru_cache(maxsize=16)
def _read(path, _modified):
    text = path.read_text(encoding="utf-8")
    return text, normalize_space(text)


def texts_dir():
    return settings.SOURCE_TEXTS_DIR


class Source(BilingualModel, TimeStampedModel):
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    title = models.CharField(
        _("título"), max_length=500, help_text=_("Tal como lo da el documento.")
    )
    issuer = models.CharField(
        _("Estado u organismo emisor"),
        max_length=300,
        help_text=_("Quién presenta el documento, p. ej.: México."),
    )
    date = models.DateField(_("fecha"), null=True, blank=True)
    date_precision = models.CharField(
        _("precisión de la fecha"),
        max_length=5,
        choices=DatePrecision.choices,
        blank=True,
        help_text=_("Año, mes o día: tal como lo da el documento. Sin fecha si no la da."),
    )
    language = models.CharField(
        _("idioma"), max_length=20, help_text=_("Código de idioma (BCP 47), p. ej.: es.")
    )
    url = models.URLField(
        _("dirección pública"),
        max_length=500,
        blank=True,
        help_text=_("Donde el público puede leer el documento, si se conoce."),
    )
    licence = models.CharField(
        _("licencia"),
        max_length=300,
        blank=True,
        help_text=_("Solo la que el documento o su editor declaran; en blanco si no se sabe."),
    )
    text_file = models.CharField(
        _("archivo del texto completo"),
        max_length=200,
        blank=True,
        help_text=_(
            "El nombre del archivo de texto (UTF-8) en fixtures/source/ del repositorio, "
            "p. ej.: mexico-a-hrc-35-l28.txt. Las citas se comprueban contra él."
        ),
    )
    note = models.TextField(
        _("nota"), blank=True, help_text=_("Lo que conviene saber del documento y de sus datos.")
    )

    objects = SlugQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("documento fuente")
        verbose_name_plural = _("documentos fuente")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(date__isnull=True) & models.Q(date_precision=""))
                | (
                    models.Q(date__isnull=False) & models.Q(date_precision__in=DatePrecision.values)
                ),
                name="core_source_date_precision_given",
                violation_error_message=_("Una fecha necesita su precisión."),
            ),
        ]

    def __str__(self):
        return self.title

    def natural_key(self):
        return (self.slug,)

    def clean(self):
        super().clean()
        errors = {}
        if self.date and not self.date_precision:
            errors["date_precision"] = _("Indique si la fecha es un año, un mes o un día.")
        elif self.date_precision and not self.date:
            errors["date"] = _("Indique la fecha o quite la precisión.")
        if self.text_file and not TEXT_FILE.fullmatch(self.text_file):
            errors["text_file"] = _(
                "Solo el nombre del archivo, en minúsculas y terminado en .txt, sin carpetas."
            )
        elif self.text_file and not self.text_path().is_file():
            errors["text_file"] = _("No hay ningún archivo con ese nombre en fixtures/source/.")
        if errors:
            raise ValidationError(errors)

    @property
    def date_display(self):
        if self.date is None:
            return ""
        return DatePrecision(self.date_precision).format(self.date)

    def text_path(self):
        return texts_dir() / self.text_file

    def has_text(self):
        return (
            bool(self.text_file)
            and TEXT_FILE.fullmatch(self.text_file)
            and (self.text_path().is_file())
        )

    def text(self):
        """The document's full text, as shipped; "" for a source without one."""
        return self._texts()[0] if self.has_text() else ""

    def contains(self, quote):
        """Whether `quote` occurs in the text, line endings and runs of whitespace aside."""
        return self.has_text() and normalize_space(quote) in self._texts()[1]

    def _texts(self):
        path = self.text_path()
        return _read(path, path.stat().st_mtime_ns)


def quote_problems(labels):
    """What is wrong with the quotes of the records of the models `labels`, one sentence
    naming each record: a quote without a source, or not in its source's text."""
    for label in labels:
        model = apps.get_model(label)
        if not issubclass(model, QuotedModel):
            continue
        records = model._base_manager.exclude(source_quote="").select_related("source")
        for record in records.order_by("pk"):
            name = f"{label} {natural_name(record)}"
            if record.source_id is None:
                yield f"{name}: its quote names no source document (field `source`)."
            elif not record.source.has_text():
                yield (
                    f"{name}: its source {record.source.slug!r} has no text file under "
                    "fixtures/source/, so its quote cannot be checked."
                )
            elif not record.source.contains(record.source_quote):
                yield (
                    f"{name}: its quote is not in the text of its source "
                    f"{record.source.slug!r}: {shorten(record.source_quote)!r}."
                )


def natural_name(record):
    key = record.natural_key() if hasattr(record, "natural_key") else (record.pk,)
    return "/".join(str(part) for part in key)


def shorten(text, length=80):
    text = normalize_space(text)
    return text if len(text) <= length else f"{text[: length - 1]}…"


def attach_shipped_source(apps_, schema_editor, app_label):
    """A data migration's step: in a database made before sources were records, every
    quote of `app_label`'s records (and of their history) comes from the one document
    there was, the first of fixtures/sources.json, which is created as shipped if it is
    not there yet. A database without quotes (a new one) is left empty."""
    quoted = [
        model
        for model in apps_.get_app_config(app_label).get_models()
        if {"source", "source_quote"} <= {field.name for field in model._meta.fields}
    ]
    missing = [model.objects.filter(source=None).exclude(source_quote="") for model in quoted]
    if not any(records.exists() for records in missing):
        return
    shipped = json.loads((settings.FIXTURE_DIRS[0] / "sources.json").read_text("utf-8"))[0]
    source_model = apps_.get_model("core", "Source")
    # Only the columns the migration's model has: later ones (its English) come later.
    known = {field.name for field in source_model._meta.fields}
    fields = {
        name: parse_datetime(value) if name in ("created_at", "updated_at") else value
        for name, value in shipped["fields"].items()
        if name in known
    }
    fields["date"] = parse_date(fields["date"]) if fields["date"] else None
    source, _created = source_model.objects.get_or_create(slug=fields["slug"], defaults=fields)
    for records in missing:
        records.update(source=source)
