"""What an instrument's pages show of the practices it belongs to: practices own that
link, so the instrument templates ask for it here."""

from django import template

from core.bilingual import columns_of
from practices.models import Practice

register = template.Library()


@register.simple_tag
def practices_of(instrument):
    """The published practices `instrument` belongs to, with their areas."""
    practices = Practice.objects.published().filter(instruments=instrument)
    return practices.select_related("area").only("slug", "area__number", *columns_of("title"))
