"""Marks record text shown in a language other than the page's: on an English page, a
field whose English is missing shows its Spanish (core/bilingual.py), and says so, so
that screen readers and translators read it as Spanish."""

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from core.bilingual import ENGLISH, shown_in_spanish

register = template.Library()


@register.filter
def lang(record, field):
    """` lang="es-MX"` where `record`'s `field` reads in Spanish on an English page (its
    English is missing, or is the Spanish name itself); nothing where it is shown in the
    page's language. For the attributes of the element
    that shows the field: `<h1{{ practice|lang:"title" }}>`."""
    if record is None or not (get_language() or "").startswith(ENGLISH):
        return ""
    return mark_safe(' lang="es-MX"') if shown_in_spanish(record, field) else ""


@register.inclusion_tag("includes/translation_note.html", takes_context=True)
def translation_note(context, record):
    """On an English page, what the record's English is (a translation of the Spanish, a
    reviewed one) and whether the Spanish changed after it, with the Spanish page a link
    away. Nothing on a Spanish page, or for a record without English."""
    status = getattr(record, "english_status", "")
    if not status or not (get_language() or "").startswith(ENGLISH):
        return {"status": ""}
    spanish = next(
        (language for language in context.get("language_alternates", ()) if not language.current),
        None,
    )
    return {
        "status": status,
        "out_of_date": record.english_is_out_of_date(),
        "spanish_url": spanish.url if spanish else "",
    }
