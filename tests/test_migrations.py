"""Every migration can be undone: each operation declares its reverse, every app migrates to
zero and back (on PostgreSQL), and the project's migrations go back and forth over a loaded
knowledge base without losing or changing a row (on both databases). Each test leaves the
database fully migrated."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import AddField
from django.urls import reverse
from simple_history.models import HistoricalRecords

from core.search.query import parse
from programs.models import Instrument
from tests.dumps import canonical_dump
from tests.helpers import admin_form_data

PTAT = "programa-de-trabajadores-agricolas-temporales-mexico-canada"
# Every app with migrations: the migration to zero undoes them all, in one plan that
# orders them by their dependencies.
APPS = [
    "compact", "practices", "programs", "core", "admin", "axes", "sessions", "auth", "contenttypes",
]  # fmt: skip


def migrate(*args):
    call_command("migrate", *args, interactive=False, verbosity=0)


def fully_migrated():
    executor = MigrationExecutor(connection)
    return not executor.migration_plan(executor.loader.graph.leaf_nodes())


def test_every_operation_declares_its_reverse():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    irreversible = [
        f"{app}.{name}: {operation.describe()}"
        for (app, name), migration in loader.disk_migrations.items()
        for operation in migration.operations
        if not operation.reversible
    ]
    assert irreversible == []


def test_every_app_has_migrations_this_test_undoes():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    assert loader.migrated_apps == set(APPS)


# On PostgreSQL, where undoing must leave no trigger behind, besides no table; on SQLite,
# undoing a first migration only drops its tables, and what SQLite does differently,
# rebuilding a table to drop a column, is undone over data below.
@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_every_app_migrates_to_zero_and_back():
    try:
        # One plan for every app: each `migrate APP zero` would work out the states of
        # the whole project again (some seconds each).
        MigrationExecutor(connection).migrate([(app, None) for app in APPS])
        assert connection.introspection.table_names() == ["django_migrations"]
        with connection.cursor() as cursor:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
            assert cursor.fetchall() == []
    finally:
        migrate()
    assert fully_migrated()
    # The schema rebuilt from nothing takes the knowledge base and searches it.
    call_command("load_knowledge_base", verbosity=0)
    assert PTAT in Instrument.objects.search(parse("jornaleros agrícolas")).values_list(
        "slug", flat=True
    )


def by_source_slug(dump):
    """`dump` with source documents named by their slugs rather than their ids."""
    slugs = {row["id"]: row["slug"] for row in dump["core.Source"]}
    return {
        label: [
            {
                name: slugs.get(value, value) if name == "source_id" else value
                for name, value in row.items()
                if not (label == "core.Source" and name == "id")
            }
            for row in rows
        ]
        for label, rows in dump.items()
    }


ENGLISH_MIGRATIONS = [
    ("core", "0004_english"),
    ("practices", "0004_english"),
    ("programs", "0006_english"),
    ("compact", "0004_english"),
]


def english_columns():
    """{(app, model): the columns the English migrations add}: undoing them drops those
    columns, English text included, as undoing a migration that adds a column must."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    added = {}
    for app, name in ENGLISH_MIGRATIONS:
        for operation in loader.disk_migrations[app, name].operations:
            if isinstance(operation, AddField):
                added.setdefault((app, operation.model_name), set()).add(operation.name)
    return added


def without(dump, columns):
    def key(label):
        app, model = label.split(".")
        return app, model.lower()

    return {
        label: [
            {name: value for name, value in row.items() if name not in columns.get(key(label), ())}
            for row in rows
        ]
        for label, rows in dump.items()
    }


@pytest.mark.django_db(transaction=True)
def test_project_migrations_go_back_and_forth_over_data(admin_client):
    call_command("load_knowledge_base", verbosity=0)
    instrument = Instrument.objects.get(slug=PTAT)
    url = reverse("admin:programs_instrument_change", args=[instrument.pk])
    data = admin_form_data(admin_client.get(url))
    data["summary_es_mx"] = "Editado antes de migrar."
    assert admin_client.post(url, data).status_code == 302
    before = canonical_dump()

    try:
        # Back to the first migration of each app: what later ones added goes, the
        # records and their history stay.
        migrate("compact", "0001")
        migrate("practices", "0001")
        migrate("programs", "0001")
        migrate("core", "0001")
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM programs_instrument")
            assert cursor.fetchone()[0] == len(before["programs.Instrument"])
            cursor.execute("SELECT count(*) FROM programs_historicalinstrument")
            assert cursor.fetchone()[0] == len(before["programs.HistoricalInstrument"])
    finally:
        migrate()

    assert fully_migrated()
    # Forward again, the data migrations rebuild what the reverse dropped (on PostgreSQL,
    # the stored search vectors; the source document, from its fixture, under a new id),
    # so every row is as it was.
    # The history of links lives in tables a later migration adds: going back drops them.
    link_history = {model._meta.label for model in HistoricalRecords.m2m_models.values()}
    after, before = by_source_slug(canonical_dump()), by_source_slug(before)
    # The English went with the columns; every other value of every row is back.
    assert english_columns()
    after, before = without(after, english_columns()), without(before, english_columns())
    assert {label: rows for label, rows in after.items() if label not in link_history} == {
        label: rows for label, rows in before.items() if label not in link_history
    }
    # The Spanish columns the English migrations add start as copies of the originals.
    edited = Instrument.objects.values("summary", "summary_es_mx").get(slug=PTAT)
    assert edited == {
        "summary": "Editado antes de migrar.",
        "summary_es_mx": "Editado antes de migrar.",
    }
    found = Instrument.objects.search(parse("trabajadores agrícolas temporales"))
    assert PTAT in found.values_list("slug", flat=True)
