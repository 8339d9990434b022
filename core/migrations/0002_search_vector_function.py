"""On PostgreSQL, the trigger function that keeps a searchable record's `search_vector`
current from its analyzed columns (core.search.searchable.SearchableModel), so ranking
reads a stored vector instead of analyzing every match's text again. The apps' own
migrations attach it to their tables. SQLite matches with LIKE and needs none of this.

The SQL is written here, not imported, so that editing the search code never rewrites
this migration."""

from django.db import migrations

CREATE_FUNCTION = """
CREATE OR REPLACE FUNCTION search_vector_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector :=
        setweight(to_tsvector('simple', coalesce(NEW.search_a, '')), 'A')
        || setweight(to_tsvector('simple', coalesce(NEW.search_b, '')), 'B')
        || setweight(to_tsvector('simple', coalesce(NEW.search_c, '')), 'C');
    RETURN NEW;
END $$
"""


def create_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_FUNCTION)


def drop_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS search_vector_refresh()")


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(create_function, drop_function)]
