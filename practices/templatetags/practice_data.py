"""The JSON-LD of a practice's page: a CreativeWork, part of its thematic area, about its
published instruments."""

from django import template

from core.bilingual import language_of
from core.templatetags.record_meta import json_ld

register = template.Library()


@register.simple_tag(takes_context=True)
def practice_json_ld(context, practice):
    absolute = context["request"].build_absolute_uri
    area = practice.area
    data = {
        "@context": "https://schema.org",
        "@type": "CreativeWork",
        "@id": absolute(practice.get_absolute_url()),
        "url": absolute(practice.get_absolute_url()),
        "name": practice.title,
        "description": practice.summary,
        "inLanguage": language_of(practice, "title"),
        "dateModified": practice.updated_at.isoformat(),
        "isPartOf": {
            "@type": "CreativeWork",
            "name": area.title,
            "position": area.number,
            "url": absolute(area.get_absolute_url()),
        },
        # The instruments are prefetched published only (PracticeQuerySet.with_instruments).
        "about": [
            {"@type": "Thing", "name": str(item), "url": absolute(item.get_absolute_url())}
            for item in practice.instruments.all()
        ],
    }
    return json_ld({key: value for key, value in data.items() if value not in ("", [])})
