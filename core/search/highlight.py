"""Matched words marked in the text a reader sees."""

import html
import re
from functools import lru_cache

from django.utils.html import escape
from django.utils.safestring import mark_safe

from .analyzer import STOP_WORDS, english_term, normalize, stem, words

_WORD = re.compile(r"\w+")


def highlight(text, terms, prefixes=()):
    """`text` escaped, with the words whose terms are in `terms` (or start with one of
    `prefixes`) wrapped in <mark>. The text between marks is escaped a stretch at a
    time, not a word at a time: a results page highlights thousands of words."""
    if not terms:
        return escape(text)
    out, done = [], 0
    for word in _WORD.finditer(text):
        if matched(word.group(), terms, prefixes):
            out.append(html.escape(text[done : word.start()]))
            out.append(f"<mark>{html.escape(word.group())}</mark>")
            done = word.end()
    out.append(html.escape(text[done:]))
    return mark_safe("".join(out))


def matched(token, terms, prefixes):
    """Whether the word `token` is one a search for `terms` matched. Content words only:
    a stop word is never what matched."""
    if not token[0].isalnum():
        return False
    word, term, english = word_and_terms(token)
    return word not in STOP_WORDS and (
        word in terms
        or term in terms
        or english in terms
        or term.startswith(prefixes)
        or english.startswith(prefixes)
    )


@lru_cache(maxsize=100_000)
def word_and_terms(token):
    """A shown word, normalized, and its terms as Spanish and as English (words recur
    across a page's results)."""
    word = normalize(token)
    return word, stem(word), english_term(word)


def snippet(text, terms, prefixes=(), width=220):
    """The sentence of `text` with the most matches, trimmed to about `width` characters,
    highlighted."""
    sentences = re.split(r"(?<=[.;:])\s+|\n+", text)
    best = max(
        sentences,
        key=lambda sentence: sum(
            1 for word in words(sentence) if {stem(word), english_term(word)} & terms
        ),
        default="",
    )
    if len(best) > width:
        best = best[:width].rsplit(" ", 1)[0] + "…"
    return highlight(best, terms, prefixes)
