import json

from django.core.management import BaseCommand, CommandError, call_command
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import override_settings

from core.knowledge_base import empty_knowledge_base, fixtures, knowledge_base_models
from core.revision import ContentRevision
from core.sources import quote_problems


class Command(BaseCommand):
    help = (
        "Load the knowledge base from fixtures/. Records are matched by their natural keys "
        "(slugs and codes), so loading again updates them in place and adds nothing twice."
    )

    def add_arguments(self, parser):
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--if-empty",
            action="store_true",
            help="Load only into an empty knowledge base, so editors' work is never overwritten.",
        )
        mode.add_argument(
            "--replace",
            action="store_true",
            help="Delete every knowledge-base record first, then load the fixtures.",
        )

    def handle(self, *args, if_empty=False, replace=False, verbosity=1, **options):
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise CommandError("The database is not up to date: run `manage.py migrate` first.")
        models = list(knowledge_base_models())
        if if_empty and any(model.objects.exists() for model in models):
            self.stdout.write("The knowledge base already holds records: nothing loaded.")
            return
        with transaction.atomic():
            if replace:
                empty_knowledge_base()
            for fixture in fixtures():
                # One file at a time, so that an error can name the file at fault;
                # the surrounding transaction undoes the files loaded before it.
                # Loading writes no history: simple_history skips the records' raw saves,
                # but not the links set after them.
                try:
                    with override_settings(SIMPLE_HISTORY_ENABLED=False):
                        call_command("loaddata", fixture, verbosity=0)
                except Exception as error:
                    raise CommandError(
                        f"{describe(fixture, error)} Nothing was loaded or changed."
                    ) from error
                # loaddata validates nothing: each quote is checked against its source.
                problem = next(quote_problems(fixtures()[fixture]), None)
                if problem:
                    raise CommandError(
                        f"fixtures/{fixture}.json: {problem} Nothing was loaded or changed."
                    )
            # In the same transaction: should the rebuild fail, the records and their index
            # stay as they were, rather than new records being left unsearchable.
            try:
                call_command("rebuild_search_index", verbosity=0)
            except Exception as error:
                raise CommandError(
                    f"Rebuilding the search index failed: {error} Nothing was loaded or changed."
                ) from error
            ContentRevision.objects.bump()
        if verbosity:
            counts = ", ".join(
                f"{model.objects.count()} {model._meta.verbose_name_plural}" for model in models
            )
            self.stdout.write(self.style.SUCCESS(f"Knowledge base loaded: {counts}."))


def describe(fixture, error):
    """Where in which fixture file, and why, loading failed. A file that is not valid JSON
    (cut short, say) is named with the line and column where the parser stopped: Django's
    own error for it says only which file, its reason left empty."""
    where = f"fixtures/{fixture}.json"
    cause = error
    while cause is not None and not isinstance(cause, json.JSONDecodeError):
        cause = cause.__cause__
    if cause is not None:
        return f"{where}, line {cause.lineno}, column {cause.colno}: not valid JSON ({cause.msg})."
    reason = str(error).strip()
    if reason.endswith(":") and error.__cause__ is not None:
        reason = f"{reason} {error.__cause__}"
    return f"{where}: {reason or type(error).__name__}"
