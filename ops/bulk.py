"""Helpers for loading many rows at once (the synthetic corpus, a restore)."""

from django.db import connection


def advance_sequences(models):
    """Move each table's id sequence past the ids now in it, never back: rows inserted with
    explicit ids leave PostgreSQL's sequences behind (SQLite's AUTOINCREMENT follows by
    itself), and setting a sequence is not undone by a rollback, so one set lower than
    ids already handed out would make new rows collide with them."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            table, column = model._meta.db_table, model._meta.pk.column
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
            (sequence,) = cursor.fetchone()
            if sequence is None:  # a key without a sequence (none here, but say so)
                continue
            cursor.execute(
                f"SELECT setval(%s, GREATEST(max({connection.ops.quote_name(column)}), "
                "(SELECT last_value FROM " + sequence + "))) "
                f"FROM {connection.ops.quote_name(table)} HAVING max("
                f"{connection.ops.quote_name(column)}) IS NOT NULL",
                [sequence],
            )
