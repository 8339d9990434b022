"""An instrument's card in a list of results, written in one pass: the catalogue, a
group's page and a search show 20 on a page, and the card template (an include, a dozen
filters and a nested include for its dates) took a third of those pages' time.

It lives with the practices because a card shows the instrument's thematic areas, which
its practices give (practices.models.areas_of)."""

from html import escape

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext

from core.templatetags.bilingual import lang
from core.templatetags.search_tags import highlight, snippet
from practices.models import areas_of

register = template.Library()

CARD = (
    '<article class="card">\n<p class="card-meta">\n<span class="badge">{}</span>{}{}\n</p>\n'
    '<div>\n<h3{}><a href="{}">{}{}</a></h3>\n<p{}>{}</p>{}\n</div>{}\n</article>'
)


@register.simple_tag
def instrument_card(instrument, query="", show_tags=False):
    """The card of `instrument`: its kind, dates and stated status, its name and summary
    (with the words `query` matched marked, and the passage of its description that
    matches best), and with `show_tags` its areas and target groups."""
    query = query or ""
    acronym = format_html(" ({})", highlight(instrument.acronym, query))
    passage = ""
    if query and instrument.description:
        passage = format_html(
            '\n<p class="snippet"{}>{}</p>',
            lang(instrument, "description"),
            snippet(instrument.description, query),
        )
    return format_html(
        CARD,
        capfirst(instrument.get_kind_display()),
        card_dates(instrument),
        card_status(instrument),
        lang(instrument, "name"),
        instrument.get_absolute_url(),
        highlight(instrument.name, query),
        acronym if instrument.acronym else "",
        lang(instrument, "summary"),
        highlight(instrument.summary, query),
        passage,
        card_tags(instrument) if show_tags else "",
    )


def card_dates(instrument):
    """Its dates as the source gives them, each marked when another source gives it."""
    if not instrument.start_date:
        return ""
    dates = []
    for date in instrument.stated_dates:
        text = capfirst(str(date)) if not dates else f"; {date}"
        mark = ""
        if date.citation:
            label = gettext("(según otra fuente)")
            mark = format_html(' <abbr class="citation" title="{}">{}</abbr>', date.citation, label)
        dates.append(format_html("{}{}", text, mark))
    return format_html("\n<span>{}</span>", mark_safe("".join(dates)))


def card_status(instrument):
    """The status its source states, and nothing when the source states none."""
    if not instrument.status:
        return ""
    return format_html(
        '\n<span class="status status-{}">{} {}</span>',
        instrument.stated_status,
        instrument.status.label,
        gettext("(según la fuente)"),
    )


def card_tags(instrument):
    """Its areas and target groups, from the lists catalogue.views.card_tags prefetches."""
    # Plain text (area numbers, names, slugs: none is marked safe), escaped by the standard
    # library as format_html_join would: 20 cards 2.8 → 2.4 ms.
    label = gettext("Área %(number)s")
    areas = "".join(
        f'<a class="tag tag-area" href="{escape(area.get_absolute_url())}">'
        f"{escape(label % {'number': area.number})}</a>"
        for area in areas_of(instrument.practice_tags)
    )
    groups = "".join(
        f'<a class="tag"{lang(group, "name")} href="{escape(group.get_absolute_url())}">'
        f"{escape(group.name)}</a>"
        for group in instrument.group_tags
    )
    return mark_safe(f'\n<p class="tags">\n{areas}\n{groups}\n</p>')
