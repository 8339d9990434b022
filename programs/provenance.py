"""Where each displayed fact of a record comes from: its source passage (`source_quote`)
or the other public source it cites (`citation`).

A target group or a place is linked to an instrument only when the record's passage
names it (by its name, its acronym or one of the `source_terms` recorded on it, the words
the source uses), or else its citation does; a date only when the passage or the citation
gives it. The pages mark what comes from the citation, and a test holds every record of
the knowledge base to the rule (tests/test_provenance.py).
"""

import re
import unicodedata
from dataclasses import dataclass, field

from core.records import DatePrecision

MONTHS = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
]


def normalize(text):
    """`text` without case, accents or runs of whitespace, for matching a source's words."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(stripped.split())


def terms(record):
    """The words that name `record` (a target group or a place) in a source: its name,
    its acronym and the `source_terms` recorded on it, one a line."""
    found = [record.name, getattr(record, "acronym", "")]
    found += record.source_terms.splitlines()
    return [term.strip() for term in found if term.strip()]


def mentions(text, names):
    """Whether `text` names any of `names`, as whole words, case and accents aside."""
    text = normalize(text)
    return any(re.search(rf"(?<!\w){re.escape(normalize(name))}(?!\w)", text) for name in names)


def states_date(text, date, precision):
    """Whether `text` gives `date` at `precision`: its year, and its month's name and day
    when the date is that precise ("del 13 de enero al 18 de diciembre de 2015" gives
    both dates)."""
    text = normalize(text)
    if not re.search(rf"(?<!\d){date.year}(?!\d)", text):
        return False
    if precision != DatePrecision.YEAR and MONTHS[date.month - 1] not in text:
        return False
    if precision == DatePrecision.DAY:
        return bool(re.search(rf"(?<!\d){date.day}(?!\d)", text))
    return True


@dataclass
class Provenance:
    """The facts of an instrument its passage does not state, so that a page marks them
    as the citation's; `unsupported` lists those neither states."""

    groups: set = field(default_factory=set)
    places: set = field(default_factory=set)
    dates: set = field(default_factory=set)  # "start", "end"
    unsupported: list = field(default_factory=list)

    def note(self, kind, key, in_passage, in_citation, label):
        if not in_passage:
            getattr(self, kind).add(key)
            if not in_citation:
                self.unsupported.append(label)


def instrument_provenance(instrument):
    """Which of `instrument`'s groups, places and dates come from its citation (and which
    from no source at all)."""
    passage, citation = instrument.source_quote, instrument.citation
    found = Provenance()
    for group in instrument.target_groups.all():
        names = terms(group)
        found.note(
            "groups", group.pk, mentions(passage, names), mentions(citation, names), group.name
        )
    for place in instrument.places.all():
        names = terms(place)
        found.note(
            "places", place.pk, mentions(passage, names), mentions(citation, names), place.name
        )
    for prefix in ("start", "end"):
        date = getattr(instrument, f"{prefix}_date")
        if date:
            precision = getattr(instrument, f"{prefix}_precision")
            found.note(
                "dates",
                prefix,
                states_date(passage, date, precision),
                states_date(citation, date, precision),
                f"{prefix}: {date}",
            )
    return found
