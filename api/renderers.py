"""JSON that no browser can read as markup: an API answer may echo what a client sent
(an invalid filter's value), so "<", ">" and "&" are written as JSON escapes."""

from rest_framework.renderers import JSONRenderer

ESCAPES = {b"<": b"\\u003c", b">": b"\\u003e", b"&": b"\\u0026"}


class EscapedJSONRenderer(JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        body = super().render(data, accepted_media_type, renderer_context)
        for character, escape in ESCAPES.items():
            body = body.replace(character, escape)
        return body
