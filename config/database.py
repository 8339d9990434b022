"""What the connections of commands differ in from the site's (config/settings.py)."""

from django.db.backends.signals import connection_created


def without_statement_timeout(sender, connection, **kwargs):
    """Lift the site's statement timeout on a new PostgreSQL connection: a command
    (a backup, a restore, a load, a migration, a benchmark) may run a statement for
    as long as it needs."""
    if connection.vendor == "postgresql":
        connection.connection.execute("SET statement_timeout = 0")


def for_commands():
    """Called by manage.py, before any command runs."""
    connection_created.connect(without_statement_timeout, dispatch_uid="commands-timeout")
