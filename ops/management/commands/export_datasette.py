"""Export the published catalogue to an SQLite file for Datasette, the peer `make bench`
measures the site against.

One table, `instruments`, holds every published instrument; its links are JSON arrays of
strings, so that Datasette's `_facet_array` and `__arraycontains` do what the catalogue's
facets and filters do. A group or place array also holds the ancestors of each linked
group or place, as the catalogue's filter on a group includes its sub-groups and a country
includes its states. `instruments_fts` is an FTS5 index over the text (its tokenizer folds
accents, as the site's search does).
"""

import json
import sqlite3
import time
from collections import defaultdict
from pathlib import Path

from django.core.management import BaseCommand

from practices.models import Practice
from programs.models import (
    Instrument,
    Participation,
    Place,
    PublicationStatus,
    TargetGroup,
)

COLUMNS = (
    "id",
    "slug",
    "name",
    "kind",
    "summary",
    "description",
    "start_date",
    "end_date",
    "status",
    "areas",
    "groups",
    "places",
    "institutions",
)
SCHEMA = """
CREATE TABLE instruments (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    summary TEXT NOT NULL,
    description TEXT NOT NULL,
    start_date TEXT,
    end_date TEXT,
    status TEXT NOT NULL,
    areas TEXT NOT NULL,
    groups TEXT NOT NULL,
    places TEXT NOT NULL,
    institutions TEXT NOT NULL
);
CREATE INDEX instruments_kind ON instruments (kind);
CREATE INDEX instruments_status ON instruments (status);
"""
# Datasette finds the index of a table by the quoting of `content=`: double quotes.
FTS = """
CREATE VIRTUAL TABLE instruments_fts USING fts5(
    name, summary, description, content="instruments", content_rowid="id"
);
INSERT INTO instruments_fts (instruments_fts) VALUES ('rebuild');
"""


def with_ancestors(nodes):
    """{pk: keys of the node and of all its ancestors}, from {pk: (key, parent pk)}."""
    expanded = {}
    for pk in nodes:
        keys, seen, current = [], set(), pk
        while current is not None and current not in seen:
            seen.add(current)
            key, current = nodes[current]
            keys.append(key)
        expanded[pk] = keys
    return expanded


class Command(BaseCommand):
    help = "Write the published instruments to an SQLite file for Datasette."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="The SQLite file to (re)write.")
        parser.add_argument("--batch", type=int, default=5_000, help="Instruments per query.")

    def handle(self, *args, path, batch, verbosity=1, **options):
        started = time.monotonic()
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside and moved into place, so a reader never opens half a file.
        partial = path.with_name(path.name + ".partial")
        partial.unlink(missing_ok=True)
        database = sqlite3.connect(partial)
        try:
            database.executescript(SCHEMA)
            count = self.copy(database, batch)
            database.executescript(FTS)
            database.execute("ANALYZE")
            database.commit()
        finally:
            database.close()
        partial.replace(path)
        if verbosity:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Exported {count} published instruments to {path} "
                    f"in {time.monotonic() - started:.1f} s."
                )
            )

    def copy(self, database, batch):
        # The trees are small; their expansion is computed once.
        groups = TargetGroup.objects.values_list("pk", "slug", "parent_id")
        groups = with_ancestors({pk: (slug, parent) for pk, slug, parent in groups})
        places = Place.objects.values_list("pk", "code", "country_id")
        places = with_ancestors({pk: (code, country) for pk, code, country in places})
        instruments = (
            Instrument.objects.published()
            .order_by("pk")
            .values_list(
                "pk",
                "slug",
                "name",
                "kind",
                "summary",
                "description",
                "start_date",
                "end_date",
                "stated_status",
            )
        )
        marks = ", ".join("?" * len(COLUMNS))
        insert = f"INSERT INTO instruments ({', '.join(COLUMNS)}) VALUES ({marks})"
        count, last = 0, 0
        # Keyset batches keep memory bounded whatever the size of the corpus.
        while rows := list(instruments.filter(pk__gt=last)[:batch]):
            pks = [row[0] for row in rows]
            links = self.links(pks, groups, places)
            database.executemany(
                insert,
                (
                    (
                        pk,
                        *fields,
                        start.isoformat() if start else None,
                        end.isoformat() if end else None,
                        status,
                        *(json.dumps(sorted(link[pk]), ensure_ascii=False) for link in links),
                    )
                    for pk, *fields, start, end, status in rows
                ),
            )
            count += len(rows)
            last = pks[-1]
        return count

    def links(self, pks, groups, places):
        """The areas, groups, places and institutions of the instruments `pks`, each as
        {instrument pk: set of strings}."""
        areas = defaultdict(set)
        for pk, number in Practice.instruments.through.objects.filter(
            instrument_id__in=pks, practice__publication_status=PublicationStatus.PUBLISHED
        ).values_list("instrument_id", "practice__area__number"):
            areas[pk].add(str(number))
        group_slugs = defaultdict(set)
        for pk, group in Instrument.target_groups.through.objects.filter(
            instrument_id__in=pks
        ).values_list("instrument_id", "targetgroup_id"):
            group_slugs[pk].update(groups[group])
        place_codes = defaultdict(set)
        for pk, place in Instrument.places.through.objects.filter(
            instrument_id__in=pks
        ).values_list("instrument_id", "place_id"):
            place_codes[pk].update(places[place])
        institutions = defaultdict(set)
        for pk, slug in Participation.objects.filter(instrument_id__in=pks).values_list(
            "instrument_id", "institution__slug"
        ):
            institutions[pk].add(slug)
        return areas, group_slugs, place_codes, institutions
