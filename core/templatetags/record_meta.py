"""What a record page tells search engines and link previews: its canonical address and
its structured data (JSON-LD), written so that no record's text can close the script."""

import json

from django import template
from django.utils.safestring import mark_safe

register = template.Library()

# As django.utils.html.json_script escapes: no "<", ">" or "&" survives, so no text in
# the data can end the element ("</script>") or open a comment.
ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.simple_tag(takes_context=True)
def absolute_url(context, path):
    """`path` as a full address, on the host the page was asked for."""
    return context["request"].build_absolute_uri(path)


@register.filter
def json_ld(data):
    """`data` (a dict) as a `<script type="application/ld+json">` element."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=False).translate(ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')  # noqa: S308
