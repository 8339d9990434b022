"""On PostgreSQL, each searchable table's `search_vector` kept current by the trigger
function of core's migration 0002, and the instruments' vectors GIN-indexed for matching.
The SQL is written here, not imported, so that editing the search code never rewrites
this migration. SQLite matches with LIKE and needs none of this."""

from django.db import migrations

TABLES = ["programs_institution", "programs_targetgroup", "programs_instrument"]
INDEX = "CREATE INDEX programs_instrument_search_vector ON programs_instrument USING gin (search_vector)"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_search_vector BEFORE INSERT OR UPDATE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION search_vector_refresh()"
        )
        schema_editor.execute(f"UPDATE {table} SET search_a = search_a")
    schema_editor.execute(INDEX)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX programs_instrument_search_vector")
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER {table}_search_vector ON {table}")


class Migration(migrations.Migration):
    dependencies = [("programs", "0001_initial"), ("core", "0002_search_vector_function")]

    operations = [migrations.RunPython(forward, backward)]
