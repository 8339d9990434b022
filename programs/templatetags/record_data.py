"""The JSON-LD of an instrument's, an institution's and a target group's page."""

from django import template

from core.templatetags.record_meta import json_ld
from programs import linked_data

register = template.Library()


@register.simple_tag(takes_context=True)
def instrument_json_ld(context, instrument, laws=()):
    """`laws`: the published laws the instrument rests on, as its page lists them."""
    absolute = context["request"].build_absolute_uri
    start = linked_data.stated_date(instrument.start_date, instrument.start_precision)
    end = linked_data.stated_date(instrument.end_date, instrument.end_precision)
    return json_ld(linked_data.instrument_data(instrument, absolute, start, end, laws))


@register.simple_tag(takes_context=True)
def target_group_json_ld(context, group):
    return json_ld(linked_data.target_group_data(group, context["request"].build_absolute_uri))


@register.simple_tag(takes_context=True)
def institution_json_ld(context, institution):
    absolute = context["request"].build_absolute_uri
    return json_ld(linked_data.institution_data(institution, absolute))
