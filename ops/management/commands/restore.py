import gzip
import json
import zlib
from pathlib import Path

from django.contrib.contenttypes.models import ContentType
from django.core.management import BaseCommand, CommandError, call_command
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from core.revision import ContentRevision
from ops.backup import (
    BackupReader,
    Loader,
    RecordError,
    backed_up_models,
    check_references,
    flushable_tables,
    link_models,
    restored_tables,
)
from ops.bulk import advance_sequences


class Command(BaseCommand):
    help = (
        "Load a backup written by `manage.py backup` into this database, all or nothing. "
        "Migrates the database first if it needs it. Refuses a database that already holds "
        "records or users unless --replace, which empties it first in the same transaction."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", metavar="PATH", help="The backup file (.json.gz).")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Delete everything in the database (content, history, users, sessions) "
            "and put the backup in its place.",
        )

    def handle(self, *args, path, replace=False, verbosity=1, **options):
        path = Path(path)
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        try:
            path.open("rb").close()
        except OSError as error:
            raise CommandError(f"{path}: {error}") from error

        # The schema the backup's rows go into, and the content types and permissions
        # that `migrate` creates and the backup refers to by name.
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            if verbosity:
                self.stdout.write("Migrating the database first.")
            call_command("migrate", interactive=False, verbosity=max(verbosity - 1, 0))

        # Content types are looked up by name through a per-process cache, which must not
        # answer with ids from before a flush or a migration run in this process.
        ContentType.objects.clear_cache()
        models = backed_up_models()
        reader = BackupReader(path)
        try:
            with transaction.atomic():
                if replace:
                    self.empty_database()
                else:
                    self.check_empty(models)
                count = Loader(models, connection.alias).load(reader)
                # Links were inserted in any order; check them all before committing, so
                # that a dangling one is reported with its line.
                check_references(path, models, connection.alias)
                # New rows must not reuse the restored ids.
                advance_sequences([*models, *link_models(models)])
                # Every cached page and browser copy predates the restore.
                ContentRevision.objects.bump()
        except CommandError:
            raise
        except RecordError as error:
            raise CommandError(
                f"{path}, line {error.line}: {describe(error.error)}. "
                "Nothing was restored: the database is as it was."
            ) from error.error
        except Exception as error:
            raise CommandError(
                f"{path}{where(reader, error)}: {describe(error)}. "
                "Nothing was restored: the database is as it was."
            ) from error

        refresh_planner_statistics(models)
        if verbosity:
            self.stdout.write(self.style.SUCCESS(f"Restored {count} records from {path}."))

    def check_empty(self, models):
        found = [
            f"{count} {model._meta.label}"
            for model in models
            if model._base_manager.exists() and (count := model._base_manager.count())
        ]
        if found:
            raise CommandError(
                "The database already holds data ("
                + ", ".join(found[:5])
                + (", …" if len(found) > 5 else "")
                + "). Restore into a new database, or pass --replace (make restore "
                "REPLACE=yes) to delete everything in it first. Nothing was changed."
            )

    def empty_database(self):
        # PostgreSQL refuses to TRUNCATE a table with foreign-key checks still deferred
        # by earlier writes in the same transaction (a caller's); settle them first.
        connection.check_constraints()
        sql = connection.ops.sql_flush(
            no_style(), flushable_tables(connection.alias), reset_sequences=True
        )
        connection.ops.execute_sql_flush(sql)


def refresh_planner_statistics(models):
    """PostgreSQL plans the pages' queries from statistics that describe the tables before
    the restore until autovacuum gets to them, and never where it is off. At 100,000
    instruments without statistics, pages took 1.4 to 24 times as long as after ANALYZE
    (the home page 484 ms against 20, in process)."""
    if connection.vendor != "postgresql":
        return
    tables = ", ".join(connection.ops.quote_name(table) for table in restored_tables(models))
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")


def where(reader, error):
    """Where in the file an error that came up while reading it lies: on the line last
    read (a record that is not JSON, or not a record the site can take), or after it (a
    compressed file damaged or cut short there)."""
    if not reader.line or reader.finished:
        return ""
    damaged = (EOFError, zlib.error, gzip.BadGzipFile, UnicodeDecodeError)
    if isinstance(error, damaged) or getattr(error, "after", False):
        return f", after line {reader.line}"
    return f", line {reader.line}"


def describe(error):
    if isinstance(error, (EOFError, zlib.error, gzip.BadGzipFile)):
        what = "the file is damaged or cut short"
    elif isinstance(error, UnicodeDecodeError):
        what = "the file is not UTF-8 text"
    elif isinstance(error, json.JSONDecodeError):
        what = "malformed JSON"
    else:
        what = type(error).__name__
    return f"{what} ({str(error).strip().rstrip('.')})"
