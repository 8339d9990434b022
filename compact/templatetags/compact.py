"""`{% objectives_of record %}`: a practice's or an instrument's objectives of the Global
Compact, for its page, each with its rationale on demand and marked as editorial. The
record's own app does not know the Compact; its template asks this app for them."""

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext

from compact.models import ObjectiveLink

register = template.Library()


@register.inclusion_tag("compact/includes/objective_links.html")
def objectives_of(record):
    return {"links": list(ObjectiveLink.objects.for_record(record))}


# A string of this app's interface: while the active language's catalogue lacks it, the
# Compact's interface is shown in Spanish, and says so.
SENTINEL = "Objetivos del Pacto Mundial para la Migración"


@register.simple_tag
def untranslated_lang():
    """` lang="es-MX"` while the Global Compact's interface has no translation into the
    active language (its strings then show in Spanish, and screen readers must know);
    nothing in Spanish, nor once the translation exists (locale/ is translated apart)."""
    if (get_language() or "es").startswith("es") or gettext(SENTINEL) != SENTINEL:
        return ""
    return mark_safe(' lang="es-MX"')
