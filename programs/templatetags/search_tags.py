from django import template

from programs import search as search_module

register = template.Library()


@register.filter
def highlight(text, query):
    """`text` with the words `query` matched wrapped in <mark> (escaped either way)."""
    return search_module.highlight(text or "", query.terms if query else set())


@register.filter
def snippet(text, query):
    """The passage of `text` that best matches `query`, highlighted."""
    return search_module.snippet(text or "", query.terms if query else set())
