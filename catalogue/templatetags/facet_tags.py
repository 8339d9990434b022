"""A facet's options as HTML, written in one pass: a catalogue page shows a few hundred of
them, and an include per option cost more than the rest of the page's rendering."""

from django import template
from django.utils.formats import localize
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

register = template.Library()

OPTION = (
    '<li class="depth-{}"><label><input type="checkbox" name="{}" value="{}"{}> {} '
    '<span class="count" aria-hidden="true">{}</span>'
    '<span class="visually-hidden">({})</span></label></li>'
)


@register.simple_tag
def facet_options(facet, options):
    """`options` of `facet` as list items: a checkbox each, its label (in the page's
    language), its count, and the count as a screen reader says it."""
    checked = mark_safe(" checked")
    return format_html_join(
        "\n",
        OPTION,
        (
            (
                option.depth,
                facet.name,
                option.value,
                checked if option.selected else "",
                option.label,
                localize(option.count),
                option.count_text,
            )
            for option in options
        ),
    )
