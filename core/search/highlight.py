"""Matched words marked in the text a reader sees."""

import re

from django.utils.html import escape
from django.utils.safestring import mark_safe

from .analyzer import STOP_WORDS, normalize, stem, words
from .query import PREFIX_MIN_LENGTH

_TOKEN = re.compile(r"\w+|\W+")


def highlight(text, terms):
    """`text` escaped, with the words whose terms are in `terms` (or start with one of
    them) wrapped in <mark>."""
    if not terms:
        return escape(text)
    out = []
    for token in _TOKEN.findall(text):
        word = normalize(token) if token[0].isalnum() else ""
        # Content words only: a stop word is never what matched.
        term = stem(word) if word and word not in STOP_WORDS else None
        if term and (word in terms or matches(term, terms)):
            out.append(f"<mark>{escape(token)}</mark>")
        else:
            out.append(escape(token))
    return mark_safe("".join(out))


def matches(term, terms):
    return any(term == t or (len(t) >= PREFIX_MIN_LENGTH and term.startswith(t)) for t in terms)


def snippet(text, terms, width=220):
    """The sentence of `text` with the most matches, trimmed to about `width` characters,
    highlighted."""
    sentences = re.split(r"(?<=[.;:])\s+|\n+", text)
    best = max(
        sentences,
        key=lambda sentence: sum(1 for word in words(sentence) if stem(word) in terms),
        default="",
    )
    if len(best) > width:
        best = best[:width].rsplit(" ", 1)[0] + "…"
    return highlight(best, terms)
