import datetime
import os
from pathlib import Path

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from ops.backup import backed_up_models, backup_filename, write_backup


def default_directory():
    # A setting only so that tests can point it elsewhere; var/ is git-ignored.
    return Path(getattr(settings, "BACKUP_DIR", settings.BASE_DIR / "var" / "backups"))


class Command(BaseCommand):
    help = (
        "Write a complete, consistent copy of the database (content, history, users, groups "
        "and their permissions, admin log) to var/backups/buenas-practicas-<UTC time>.json.gz "
        "or to --output, readable by its owner only. `manage.py restore` loads it into an "
        "empty database, on SQLite or PostgreSQL whichever it came from. Sessions, login "
        "lockouts (django-axes) and the page-cache revision are left out."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            metavar="PATH",
            help="Where to write the backup (default: var/backups/buenas-practicas-<UTC time>"
            ".json.gz). An existing file is never overwritten.",
        )

    def handle(self, *args, output=None, verbosity=1, **options):
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise CommandError("The database is not up to date: run `manage.py migrate` first.")

        if output:
            path = Path(output)
        else:
            directory = default_directory()
            directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            path = directory / backup_filename(datetime.datetime.now(datetime.UTC))
        if path.exists():
            raise CommandError(f"{path} already exists: choose another --output.")
        if not path.parent.is_dir():
            raise CommandError(f"{path.parent} is not a directory.")

        # References to content types are written from a per-process cache, which must
        # not answer with ids from before a flush or a migration run in this process.
        ContentType.objects.clear_cache()
        models = backed_up_models()
        # Inside a caller's transaction (a test's), the isolation level is the caller's.
        outermost = not connection.in_atomic_block
        # One transaction, so that the backup is one moment of the database: an editor
        # saving meanwhile is either wholly in it or wholly not.
        with transaction.atomic():
            if connection.vendor == "postgresql" and outermost:
                # Must come first in the transaction: every later query then reads the
                # same snapshot, not whatever has committed by the time it runs.
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            # SQLite: a read transaction holds its snapshot (WAL) or blocks writers
            # (rollback journal) until it ends; either way the reads agree.
            try:
                count = write_backup(path, models, connection.alias)
            except OSError as error:
                raise CommandError(f"Could not write {path}: {error}") from error

        if verbosity:
            size = os.path.getsize(path)
            self.stdout.write(
                self.style.SUCCESS(f"Backup written to {path}: {count} records, {size:,} bytes.")
            )
