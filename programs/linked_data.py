"""schema.org descriptions of the instruments, institutions and target groups, for their
pages' JSON-LD: only what the records hold, and only their published links."""

from core.bilingual import language_of
from core.records import DatePrecision

from .models import LEGAL_KINDS, InstrumentKind, Role

SERVICE_KINDS = (
    InstrumentKind.PROGRAM,
    InstrumentKind.SUBPROGRAM,
    InstrumentKind.SERVICE,
    InstrumentKind.MECHANISM,
    InstrumentKind.PLATFORM,
    InstrumentKind.MIGRATION_DOCUMENT,
    InstrumentKind.CERTIFICATION,
    InstrumentKind.TRAINING,
)


def stated_date(value, precision):
    """A date as precise as the source gives it: "2016", "2016-06" or "2016-06-14"."""
    if value is None:
        return ""
    if precision == DatePrecision.YEAR:
        return f"{value.year:04d}"
    if precision == DatePrecision.MONTH:
        return f"{value.year:04d}-{value.month:02d}"
    return value.isoformat()


def schema_type(instrument):
    """Legislation for laws and regulations; GovernmentService for what a government
    provides to people; CreativeWork (a protocol, a campaign, a study…) for the rest."""
    if instrument.kind in LEGAL_KINDS:
        return "Legislation"
    if instrument.kind in SERVICE_KINDS:
        return "GovernmentService"
    return "CreativeWork"


def compact(data):
    """`data` without the keys whose value is empty: an empty field stays unsaid."""
    return {key: value for key, value in data.items() if value not in ("", None, [], {})}


def organization(institution, absolute):
    return compact(
        {
            "@type": "Organization",
            "name": institution.name,
            "alternateName": institution.acronym,
            "url": absolute(institution.get_absolute_url()),
        }
    )


def instrument_data(instrument, absolute, start="", end="", laws=()):
    """`absolute` turns a path into a full address; `start` and `end` are the dates as
    precise as the source gives them; `laws`, the published laws it rests on."""
    kind = schema_type(instrument)
    participations = list(instrument.participations.all())
    leads = [p.institution for p in participations if p.role == Role.LEAD]
    audience = [
        {"@type": "Audience", "audienceType": group.name}
        for group in instrument.target_groups.all()
    ]
    places = [{"@type": "Place", "name": place.name} for place in instrument.places.all()]
    data = {
        "@context": "https://schema.org",
        "@type": kind,
        "@id": absolute(instrument.get_absolute_url()),
        "url": absolute(instrument.get_absolute_url()),
        "name": instrument.name,
        "alternateName": instrument.acronym,
        "description": instrument.summary,
        "inLanguage": language_of(instrument, "name"),
        "audience": audience,
    }
    if kind == "GovernmentService":
        data |= {
            "serviceType": str(instrument.get_kind_display()),
            "provider": [organization(i, absolute) for i in leads],
            "areaServed": places,
        }
    else:
        data |= {
            "genre": str(instrument.get_kind_display()),
            "dateModified": instrument.updated_at.isoformat(),
            "spatialCoverage": places,
            # A missing end date is unknown, not "still running", and a planned end is not
            # a fact: the period is said only when the source states both ends.
            "temporalCoverage": (
                f"{start}/{end}" if start and end and not instrument.planned_end else ""
            ),
            "creator": [organization(i, absolute) for i in leads],
            "isBasedOn": [absolute(law.get_absolute_url()) for law in laws],
        }
    if kind == "Legislation":
        data["legislationType"] = str(instrument.get_kind_display())
    return compact(data)


def target_group_data(group, absolute):
    """A target group is a term of the knowledge base's vocabulary."""
    return compact(
        {
            "@context": "https://schema.org",
            "@type": "DefinedTerm",
            "@id": absolute(group.get_absolute_url()),
            "url": absolute(group.get_absolute_url()),
            "name": group.name,
            "termCode": group.slug,
            "alternateName": group.acronym,
            "description": group.description,
            "inLanguage": language_of(group, "name"),
        }
    )


def institution_data(institution, absolute):
    data = organization(institution, absolute)
    data |= {"@context": "https://schema.org", "@id": data["url"]}
    if institution.description:
        data["description"] = institution.description
    return data
