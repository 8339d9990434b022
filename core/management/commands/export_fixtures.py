from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management import BaseCommand

from core.bilingual import spanish_name, translated_fields
from core.knowledge_base import fixtures
from core.search.searchable import SEARCH_COLUMNS


def spanish_mirrors(model):
    """The `_es_mx` columns, left out: they repeat the field's own column, from which
    loading fills them (MODELTRANSLATION_AUTO_POPULATE)."""
    return {spanish_name(field) for field in translated_fields(model)}


def serialize(labels):
    """The records of the models `labels` in the fixtures' form: natural keys, in the
    order they were created, indented, UTF-8 unescaped, derived search columns left out."""
    chunks = []
    for label in labels:
        model = apps.get_model(label)
        fields = [
            field.name
            for field in model._meta.concrete_fields + model._meta.many_to_many
            if not field.primary_key
            and field.name not in SEARCH_COLUMNS
            and field.name not in spanish_mirrors(model)
        ]
        records = model.objects.order_by("pk")
        chunk = serializers.serialize(
            "json",
            records,
            fields=fields,
            indent=2,
            use_natural_foreign_keys=True,
            use_natural_primary_keys=True,
        ).strip()
        if chunk != "[]":
            chunks.append(chunk[1:-1].strip())
    return "[\n" + ",\n".join(chunks) + "\n]\n" if chunks else "[]\n"


class Command(BaseCommand):
    help = (
        "Write the database's knowledge base back into fixtures/ (or --to DIR) in the same "
        "stable, diff-friendly form load_knowledge_base reads."
    )

    def add_arguments(self, parser):
        parser.add_argument("--to", type=Path, default=Path(settings.FIXTURE_DIRS[0]))

    def handle(self, *args, to, verbosity=1, **options):
        to.mkdir(parents=True, exist_ok=True)
        for name, labels in fixtures().items():
            (to / f"{name}.json").write_text(serialize(labels), encoding="utf-8")
        if verbosity:
            self.stdout.write(
                self.style.SUCCESS(f"Exported {len(fixtures())} fixture files to {to}.")
            )
