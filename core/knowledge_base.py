"""The knowledge base as files: which fixture in fixtures/ holds which records.

Each app declares its fixtures in its AppConfig (`fixtures`: file name → model labels),
in the order they load; apps load in INSTALLED_APPS order, so each file's records depend
only on files loaded before it.
"""

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection
from simple_history.models import HistoricalRecords


def fixtures():
    """{fixture file name: [model labels]}, in loading order."""
    found = {}
    for app in apps.get_app_configs():
        found.update(getattr(app, "fixtures", {}))
    return found


def knowledge_base_apps():
    return [app for app in apps.get_app_configs() if getattr(app, "fixtures", None)]


def knowledge_base_models(include_auto_created=False):
    """The models of the knowledge base, without what outlives reloads: the change history
    (its rows refer to records by id, with no database constraint) and the revision
    counter (pages cached under an earlier number must never come back)."""
    for app in knowledge_base_apps():
        for model in app.get_models(include_auto_created=include_auto_created):
            # simple_history's historical models, and those of their links
            history = (
                hasattr(model, "instance_type") or model in HistoricalRecords.m2m_models.values()
            )
            if not history and model._meta.label != "core.ContentRevision":
                yield model


def empty_knowledge_base():
    """Delete every knowledge-base row at once, as `flush` does, so that protected
    and self-referencing foreign keys need no particular order."""
    tables = [model._meta.db_table for model in knowledge_base_models(include_auto_created=True)]
    # PostgreSQL refuses to TRUNCATE while foreign-key checks deferred by earlier writes in
    # the same transaction are pending; checking the constraints now settles them.
    connection.check_constraints()
    connection.ops.execute_sql_flush(connection.ops.sql_flush(no_style(), tables))


def content_models():
    """The models whose records the fixtures hold: the content readers see."""
    return [apps.get_model(label) for labels in fixtures().values() for label in labels]
