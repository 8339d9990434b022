"""Lists of links to instruments written in one pass: an area's page links to a few
hundred, and the template loop (a filter, a URL and a label each) cost more than the rest
of the page."""

from django import template
from django.utils.html import format_html_join

from core.templatetags.bilingual import lang

register = template.Library()

LINK = '<li><a{} href="{}">{}</a> <span class="badge">{}</span></li>'


@register.simple_tag
def instrument_links(instruments):
    """`instruments` as list items: each a link to its page, marked where its name reads
    in Spanish on an English page, and its kind."""
    return format_html_join(
        "\n",
        LINK,
        (
            (lang(instrument, "name"), instrument.get_absolute_url(), instrument, kind)
            for instrument in instruments
            for kind in [instrument.get_kind_display()]
        ),
    )
