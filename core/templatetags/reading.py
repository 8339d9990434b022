"""What makes a record page read well: a passage shown once when two fields say the same
thing (`opens_like`, `restates`), and a contents list of a long record's sections
(`{% contents %}`)."""

import html
import re
from collections import Counter

from django import template
from django.template.loader import render_to_string
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe

register = template.Library()

# Words, whatever the punctuation, quotation marks («», “”), case or spacing around them.
WORD = re.compile(r"\w+")
# Two texts that open with this many words alike open with the same sentence.
OPENING_WORDS = 8
# A text that has this share of another's words (counted with repeats) restates it.
RESTATED_SHARE = 0.8
# A section of the record: an <h2> with an id, its badge (a «clasificación editorial»
# label) left out of the name the contents list gives it.
SECTION = re.compile(r'<h2 id="([^"]+)"[^>]*>(.*?)</h2>', re.DOTALL)
BADGE = re.compile(r'<span class="badge">.*?</span>', re.DOTALL)
# A record with more sections than this gets a contents list.
LONG_RECORD = 3


def words(text):
    return WORD.findall(str(text or "").casefold())


@register.filter
def opens_like(text, other):
    """Whether `text` is `other`'s opening sentence over again: it is contained in
    `other`, or both begin with the same words (a summary that repeats the body's start)."""
    mine, theirs = words(text), words(other)
    if not mine or not theirs:
        return False
    if " ".join(mine) in " ".join(theirs):
        return True
    return len(mine) >= OPENING_WORDS and mine[:OPENING_WORDS] == theirs[:OPENING_WORDS]


@register.filter
def restates(text, passage):
    """Whether `text` says `passage` over again: nearly all of the passage's words are in
    it (an edited copy of the source, say, with its errata corrected)."""
    theirs = Counter(words(passage))
    if not theirs:
        return False
    shared = sum((Counter(words(text)) & theirs).values())
    return shared / sum(theirs.values()) >= RESTATED_SHARE


class ContentsNode(template.Node):
    def __init__(self, nodelist):
        self.nodelist = nodelist

    def render(self, context):
        rendered = self.nodelist.render(context)
        sections = [
            (anchor, " ".join(html.unescape(strip_tags(BADGE.sub("", title))).split()))
            for anchor, title in SECTION.findall(rendered)
        ]
        if len(sections) <= LONG_RECORD:
            return mark_safe(f'<div class="record-sections">{rendered}</div>')  # noqa: S308
        contents = render_to_string(
            "includes/contents.html", {"sections": sections}, request=context.get("request")
        )
        sections = f'<div class="record-sections">{rendered}</div>'
        # Both parts are rendered templates, escaped as such.
        return mark_safe(f'<div class="record-layout">{contents}{sections}</div>')  # noqa: S308


@register.tag
def contents(parser, token):
    """`{% contents %}…{% endcontents %}`: the sections inside, preceded by a «Contenido»
    list of links to each when there are more than LONG_RECORD of them (their <h2 id>)."""
    nodelist = parser.parse(("endcontents",))
    parser.delete_first_token()
    return ContentsNode(nodelist)
