from django import template

from core.search.highlight import highlight as highlight_terms
from core.search.highlight import snippet as best_snippet

register = template.Library()


@register.filter
def highlight(text, query):
    """`text` with the words `query` matched wrapped in <mark> (escaped either way)."""
    if not query:
        return highlight_terms(text or "", set())
    return highlight_terms(text or "", query.terms, query.prefixes)


@register.filter
def snippet(text, query):
    """The passage of `text` that best matches `query`, highlighted."""
    if not query:
        return best_snippet(text or "", set())
    return best_snippet(text or "", query.terms, query.prefixes)
