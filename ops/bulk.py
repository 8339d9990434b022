"""Helpers for loading many rows at once (the synthetic corpus, a restore)."""

from contextlib import contextmanager

from django.db import connection

# The GIN indexes on the stored search vectors (see the apps' migrations 0002).
SEARCH_INDEXES = [
    ("programs_instrument", "programs_instrument_search_vector"),
    ("practices_practice", "practices_practice_search_vector"),
]


@contextmanager
def search_indexes_suspended():
    """Drop the GIN indexes for a bulk load and build them again after it: building an
    index once is many times faster than updating it row by row."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.schema_editor() as editor:
        for _table, name in SEARCH_INDEXES:
            editor.execute(f"DROP INDEX {name}")
    yield
    # PostgreSQL will not index a table with foreign-key checks still deferred.
    connection.check_constraints()
    with connection.schema_editor() as editor:
        for table, name in SEARCH_INDEXES:
            editor.execute(f"CREATE INDEX {name} ON {table} USING gin (search_vector)")


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
