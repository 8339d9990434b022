"""What an instrument's pages show of the practices it belongs to: practices own that
link, so the instrument templates ask for it here."""

from django import template

from practices.models import Practice, areas_of

register = template.Library()


@register.simple_tag
def practices_of(instrument):
    """The published practices `instrument` belongs to, with their areas."""
    return Practice.objects.published().filter(instruments=instrument).select_related("area")


@register.filter
def areas(instrument):
    """The thematic areas of `instrument`, from its prefetched `practices__area`."""
    return areas_of(instrument)
