from django import template

from core.search.highlight import highlight as highlight_terms
from core.search.highlight import snippet as best_snippet

register = template.Library()


@register.filter
def highlight(text, query):
    """`text` with the words `query` matched wrapped in <mark> (escaped either way)."""
    return highlight_terms(text or "", query.terms if query else set())


@register.filter
def snippet(text, query):
    """The passage of `text` that best matches `query`, highlighted."""
    return best_snippet(text or "", query.terms if query else set())
