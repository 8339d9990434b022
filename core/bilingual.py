"""Records in Spanish and English (django-modeltranslation; each app's translation.py
names its translatable fields). Spanish is the original: each field's own column holds
it, as it always did, mirrored in the `_es_mx` column the library reads; the `_en` column
holds the English, and a page in English falls back to the Spanish where that is empty.
The search columns hold the Spanish terms, then the English ones (core/search/)."""

import hashlib

from django.conf import settings
from django.db import models
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import get_language, override
from django.utils.translation import gettext_lazy as _
from modeltranslation.translator import TranslationOptions, translator
from modeltranslation.utils import build_localized_fieldname, fallbacks
from simple_history.exceptions import NotHistoricalModelError
from simple_history.utils import get_history_model_for_model

SPANISH = settings.MODELTRANSLATION_DEFAULT_LANGUAGE
ENGLISH = "en"


def translatable(model, *fields):
    """Make `fields` of `model` translatable, and the same fields of its history, so that
    a version of a record keeps its English as well as its Spanish."""
    try:
        history = [get_history_model_for_model(model)]
    except NotHistoricalModelError:
        history = []
    for target in (model, *history):
        # An empty field is stored as NULL in both languages, whether it was never written
        # (a record loaded without its English) or emptied in the admin: one "none".
        options = type(
            f"{target.__name__}Translation",
            (TranslationOptions,),
            {"fields": fields, "empty_values": None},
        )
        translator.register(target, options)
        for field in fields:
            name_languages(target, field)


def name_languages(model, field):
    """The admin's labels, «resumen (español)» and «resumen (inglés)», rather than the
    library's «resumen [es-mx]»."""
    label = model._meta.get_field(field).verbose_name
    for name, language in ((spanish_name(field), _("español")), (english_name(field), _("inglés"))):
        model._meta.get_field(name).verbose_name = format_lazy("{} ({})", label, language)


def translated_fields(model):
    """The names of `model`'s translatable fields, in alphabetical order (a stable one:
    the library keeps them in a set), or ()."""
    if model not in translator.get_registered_models():
        return ()
    return tuple(sorted(translator.get_options_for_model(model).fields))


def english_name(field):
    return build_localized_fieldname(field, ENGLISH)


def spanish_name(field):
    return build_localized_fieldname(field, SPANISH)


def columns_of(field):
    """The field and its columns in each language, for `.only()`."""
    return (field, spanish_name(field), english_name(field))


def _in_language(spanish, english):
    return english if english and (get_language() or "").startswith(ENGLISH) else spanish


# Worked out when shown, in the language of the page that shows it: for what outlives a
# request (the catalogue's index, its facet labels).
in_language = lazy(_in_language, str)


def english_is_missing(record, field):
    """Whether `record` has Spanish text in `field` but no English."""
    return bool(getattr(record, spanish_name(field), "")) and not getattr(
        record, english_name(field), ""
    )


def shown_in_spanish(record, field):
    """Whether `record`'s `field` reads in Spanish on an English page: its English is
    missing, or is the Spanish itself (a name kept as it is, «Tu Vivienda en México»)."""
    spanish = getattr(record, spanish_name(field), "")
    return english_is_missing(record, field) or (
        bool(spanish) and getattr(record, english_name(field), "") == spanish
    )


def language_of(record, field):
    """The language `record`'s `field` is shown in on the current page, as HTML and
    schema.org write it: "en", or "es-MX" on a Spanish page or where it reads in Spanish."""
    english_page = (get_language() or "").startswith(ENGLISH)
    return "en" if english_page and not shown_in_spanish(record, field) else "es-MX"


class EnglishStatus(models.TextChoices):
    TRANSLATED = "translated", _("traducido del español")
    REVIEWED = "reviewed", _("traducción revisada")
    ORIGINAL = "original", _("original en inglés (texto oficial)")


class BilingualModel(models.Model):
    """A record whose public text is read in Spanish and English: what its English is
    (a translation, a reviewed one, or an official English original), and which Spanish
    it was written from, so that a change to the Spanish shows the English out of date.

    Saved in Spanish whatever the language of the request that saves it: the field's own
    column (read through the current language) keeps the Spanish original, and the
    search columns are worked out from the Spanish text."""

    english_status = models.CharField(
        _("estado del inglés"),
        max_length=10,
        choices=EnglishStatus.choices,
        blank=True,
        help_text=_("Qué es el texto en inglés. En blanco mientras no lo hay."),
    )
    english_fingerprint = models.CharField(
        _("huella del español traducido"),
        max_length=16,
        blank=True,
        editable=False,
        help_text=_("La del texto en español del que se hizo el inglés."),
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        with override(SPANISH):
            super().save(*args, **kwargs)

    def english_search_document(self):
        # The record's own English only: where it has none, nothing (not its Spanish).
        with override(ENGLISH), fallbacks(False):
            return self.search_document()

    def spanish_fingerprint(self):
        """A short digest of the record's Spanish public text."""
        texts = (
            getattr(self, spanish_name(field)) or "" for field in translated_fields(type(self))
        )
        return hashlib.sha256("\x1f".join(texts).encode()).hexdigest()[:16]

    def english_is_out_of_date(self):
        """Whether the Spanish changed after the English was last written or reviewed."""
        return bool(self.english_fingerprint) and (
            self.english_fingerprint != self.spanish_fingerprint()
        )

    def english_was_written(self):
        """Records that the English now translates the Spanish as it is."""
        self.english_fingerprint = self.spanish_fingerprint()
        if not self.english_status:
            self.english_status = EnglishStatus.TRANSLATED


def copy_spanish_columns(apps_, schema_editor, app_label):
    """A data migration's step, where an app's `_es_mx` columns are added: each of them
    takes the Spanish its field's own column already holds, in the records and in their
    history. (The English comes with the knowledge base: `load_knowledge_base`.)"""
    suffix = f"_{SPANISH.replace('-', '_')}"
    for model in apps_.get_app_config(app_label).get_models():
        names = {field.name for field in model._meta.concrete_fields}
        copies = {
            name: models.F(name[: -len(suffix)])
            for name in names
            if name.endswith(suffix) and name[: -len(suffix)] in names
        }
        if copies:
            model._base_manager.update(**copies)
