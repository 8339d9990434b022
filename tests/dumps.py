"""A canonical dump of the whole database, to tell whether two states hold the same data.

Written independently of practices/backup.py (plain `values()` of every table), so that a
field the backup forgot is missing from only one side of a comparison.
"""

from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType

# What a backup deliberately leaves out (practices/backup.py says why).
LEFT_OUT = {
    "contenttypes.ContentType",
    "auth.Permission",
    "sessions.Session",
    "core.ContentRevision",
    "axes.AccessAttempt",
    "axes.AccessAttemptExpiration",
    "axes.AccessFailureLog",
    "axes.AccessLog",
}


def kept_models(include_auto_created=False):
    return [
        model
        for model in apps.get_models(include_auto_created=include_auto_created)
        if model._meta.label not in LEFT_OUT
    ]


def canonical_dump():
    """{model label: rows}, every column of every kept table (link tables included, without
    their meaningless ids), with content types and permissions named rather than numbered
    (their ids belong to whichever database `migrate` ran on)."""
    content_types = {
        pk: (app_label, model)
        for pk, app_label, model in ContentType.objects.values_list("pk", "app_label", "model")
    }
    permissions = {
        pk: (codename, content_types[content_type])
        for pk, codename, content_type in Permission.objects.values_list(
            "pk", "codename", "content_type"
        )
    }
    names = {"contenttypes.ContentType": content_types, "auth.Permission": permissions}
    dump = {}
    for model in kept_models(include_auto_created=True):
        named = {
            field.attname: names[field.related_model._meta.label]
            for field in model._meta.concrete_fields
            if field.is_relation and field.related_model._meta.label in names
        }
        rows = []
        for row in model._base_manager.order_by("pk").values():
            for attname, mapping in named.items():
                if row[attname] is not None:
                    row[attname] = mapping[row[attname]]
            if model._meta.auto_created:
                del row["id"]
            rows.append(row)
        if model._meta.auto_created:
            rows.sort(key=repr)
        dump[model._meta.label] = rows
    return dump


def counts(dump):
    return {label: len(rows) for label, rows in dump.items()}
