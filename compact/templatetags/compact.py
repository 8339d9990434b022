"""`{% objectives_of record %}`: a practice's or an instrument's objectives of the Global
Compact, for its page, each with its rationale on demand and marked as editorial. The
record's own app does not know the Compact; its template asks this app for them."""

from django import template

from compact.models import ObjectiveLink

register = template.Library()


@register.inclusion_tag("compact/includes/objective_links.html")
def objectives_of(record):
    return {"links": list(ObjectiveLink.objects.for_record(record))}
