from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management import BaseCommand

from practices.knowledge_base import FIXTURES


def serialize(labels):
    """The records of the models `labels` in the fixtures' form: natural keys, in the
    order they were created, indented, UTF-8 unescaped, derived search columns and
    synthetic benchmark records left out."""
    chunks = []
    for label in labels:
        model = apps.get_model(label)
        fields = [
            field.name
            for field in model._meta.concrete_fields + model._meta.many_to_many
            if not field.primary_key
            and not field.name.startswith("search_")
            and field.name != "is_synthetic"
        ]
        records = model.objects.order_by("pk")
        field_names = {field.name for field in model._meta.fields}
        if "is_synthetic" in field_names:
            records = records.filter(is_synthetic=False)
        elif "instrument" in field_names:  # participations and figures go with their instrument
            records = records.filter(instrument__is_synthetic=False)
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
        for name, labels in FIXTURES.items():
            (to / f"{name}.json").write_text(serialize(labels), encoding="utf-8")
        if verbosity:
            self.stdout.write(
                self.style.SUCCESS(f"Exported {len(FIXTURES)} fixture files to {to}.")
            )
