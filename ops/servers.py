"""What `manage.py bench` and `manage.py loadtest` share: their PostgreSQL database, the
servers they start and stop, and how they write their results."""

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import psycopg
import redis
from django.conf import settings
from django.core.management import CommandError
from django.db import connection
from psycopg import sql

# Databases ----------------------------------------------------------------------------


@contextmanager
def postgres_server():
    """A connection to the PostgreSQL server DATABASE_URL names, outside its database:
    Django cannot connect to a database that is not there."""
    if connection.vendor != "postgresql":
        raise CommandError("This command runs on PostgreSQL only: set DATABASE_URL to postgres://.")
    db = settings.DATABASES["default"]
    with psycopg.connect(
        dbname="postgres",
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        autocommit=True,
    ) as server:
        yield server


def database_name():
    return settings.DATABASES["default"]["NAME"]


def create_database(stdout):
    """Create the database DATABASE_URL names, if the server lacks it."""
    with postgres_server() as server:
        query = "SELECT 1 FROM pg_database WHERE datname = %s"
        if not server.execute(query, [database_name()]).fetchone():
            stdout.write(f"Creating database {database_name()}.")
            server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database_name())))


def drop_database(stdout):
    """Drop the database DATABASE_URL names, closing every session on it first."""
    connection.close()
    with postgres_server() as server:
        stdout.write(f"Dropping database {database_name()}.")
        server.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(database_name())
            )
        )


def flush_redis(url):
    """Empty the Redis database `url` names (that one only). None when done; otherwise
    why Redis cannot serve the site."""
    try:
        redis.Redis.from_url(url, socket_timeout=5).flushdb()
    except redis.RedisError as error:
        return f"Redis does not answer ({error})"
    return None


# Servers ------------------------------------------------------------------------------


def gunicorn(*arguments):
    """The command that serves the site with this virtualenv's gunicorn, from the
    project's directory, as `make serve` does."""
    executable = Path(sys.executable).with_name("gunicorn")
    return [str(executable), "config.wsgi", "--chdir", str(settings.BASE_DIR), *arguments]


def get(url, timeout=120):
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - loopback
        return response.status, response.read()


def start_server(command, ready_url, log, env=None):
    """Start `command`, its output going to the file `log`, and wait until `ready_url`
    answers 200. A server that does not get there is stopped before the error is raised."""
    with open(log, "wb") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=output)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise CommandError(f"{command[0]} stopped at start: see {log}.")
            try:
                if get(ready_url, timeout=5)[0] == 200:
                    return process
            except (OSError, urllib.error.URLError):
                time.sleep(0.3)
        raise CommandError(f"{command[0]} did not answer {ready_url}: see {log}.")
    except BaseException:
        stop_server(process)
        raise


def stop_server(process):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def children(pid):
    """The processes `pid` started (gunicorn's workers)."""
    pids = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        pids += [int(child) for child in (task / "children").read_text().split()]
    return pids


def resident_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


# Results ------------------------------------------------------------------------------


def write_results(stdout, out, report, results):
    """The Markdown report at `out` and the raw results beside it as JSON; the report is
    printed too."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report, encoding="utf-8")
    out.with_suffix(".json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    stdout.write(report)
    stdout.write(f"Written to {out} and {out.with_suffix('.json')}.")
