"""Issue 17, bilingual content: the English text of the shipped records, merged into a
database loaded from fixtures/, then written back with export_fixtures.

    DJANGO_DEBUG=true .venv/bin/python manage.py load_knowledge_base --replace
    TRANSLATIONS=/path/to/out DJANGO_DEBUG=true .venv/bin/python manage.py shell \\
        < ops/data_edits/issue17_english.py
    DJANGO_DEBUG=true .venv/bin/python manage.py export_fixtures

TRANSLATIONS holds JSON files, each a list of {"model", "key", "fields"}: the record by its
natural key, and the English of each of its fields by the field's name. Every record and
field named must exist and have Spanish text, or nothing is saved. Its `quotes/` folder
holds lists of {"es", "en"}: a passage of the source and its English rendering, given to
every record that quotes that passage (`source_quote_english`).
"""

import json
import os
from pathlib import Path

from django.apps import apps
from django.db import transaction

from core.bilingual import english_name, translated_fields
from core.records import QuotedModel

KEYS = {
    "practices.thematicarea": lambda number: {"number": number},
    "programs.place": lambda code: {"code": code},
    "programs.keyfigure": lambda instrument, slug: {"instrument__slug": instrument, "slug": slug},
    "programs.participation": lambda instrument, institution, role: {
        "instrument__slug": instrument,
        "institution__slug": institution,
        "role": role,
    },
    "compact.objectivelink": lambda objective, practice, instrument: {
        "objective__number": objective,
        "practice__slug": practice,
        "instrument__slug": instrument,
    },
}


def record(label, key):
    lookup = KEYS.get(label, lambda slug: {"slug": slug})(*key)
    return apps.get_model(label)._base_manager.get(**lookup)


def merge(entry):
    found = record(entry["model"], entry["key"])
    for field, english in entry["fields"].items():
        if field not in translated_fields(type(found)) or not getattr(found, field):
            raise ValueError(f"{entry['model']} {entry['key']}: no Spanish {field} to translate")
        setattr(found, english_name(field), english.strip())
    found.english_was_written()
    found.save()


def merge_quotes(renderings):
    """Gives each record quoting a passage of `renderings` ({Spanish: English}) the English."""
    given = 0
    for model in apps.get_models():
        if not issubclass(model, QuotedModel):
            continue
        for record in model._base_manager.exclude(source_quote=""):
            english = renderings.get(record.source_quote, "")
            if english and record.source_quote_english != english:
                record.source_quote_english = english
                record.save()
                given += 1
    return given


with transaction.atomic():
    merged = 0
    folder = Path(os.environ["TRANSLATIONS"])
    for path in sorted(folder.glob("*.json")):
        for entry in json.loads(path.read_text(encoding="utf-8")):
            merge(entry)
            merged += len(entry["fields"])
    print(f"{merged} English fields merged.")
    renderings = {
        pair["es"]: pair["en"].strip()
        for path in sorted((folder / "quotes").glob("*.json"))
        for pair in json.loads(path.read_text(encoding="utf-8"))
    }
    print(f"{merge_quotes(renderings)} quotes given their English.")
