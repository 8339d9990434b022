"""What `manage.py bench` and `manage.py loadtest` share: their PostgreSQL database, the
servers they start and stop, and how they write their results."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

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


def use_database(name):
    """Point this process's default connection at the database `name` (same server): the
    bench measures each corpus size in a database of its own."""
    connection.close()
    settings.DATABASES["default"]["NAME"] = name
    connection.settings_dict["NAME"] = name


def database_url(name):
    """DATABASE_URL naming the database `name` instead, for the servers the bench starts."""
    url = urlsplit(os.environ["DATABASE_URL"])
    return url._replace(path=f"/{name}").geturl()


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


def get(url, timeout=120, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - loopback
        return response.status, response.read()


def start_server(command, ready_url, log, env=None, headers=None, markers=None):
    """Start `command`, its output going to the file `log`, and wait until `ready_url`
    answers 200. A server that does not get there is stopped before the error is raised.
    `process.startup` holds the seconds from the start until it answered ("ready") and
    until each of `markers` ({name: text}) first appeared in its log."""
    started = time.monotonic()
    with open(log, "wb") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=output)
    process.startup = {}
    # Watched apart: a server that listens before it answers holds the first request.
    watching = threading.Event()
    watcher = threading.Thread(
        target=watch_log, args=(process.startup, log, markers or {}, started, watching)
    )
    watcher.start()
    try:
        while time.monotonic() < started + 180:
            if process.poll() is not None:
                raise CommandError(f"{command[0]} stopped at start: see {log}.")
            try:
                if get(ready_url, timeout=5, headers=headers)[0] == 200:
                    process.startup["ready"] = time.monotonic() - started
                    return process
            except (OSError, urllib.error.URLError):
                time.sleep(0.05)
        raise CommandError(f"{command[0]} did not answer {ready_url}: see {log}.")
    except BaseException:
        stop_server(process)
        raise
    finally:
        watching.set()
        watcher.join()


def watch_log(seen, log, markers, started, done):
    """Until `done`, record in `seen` the seconds since `started` at which each of
    `markers` first appears in the file `log`."""
    while markers:
        text = Path(log).read_text(errors="replace")
        for name, marker in markers.items():
            if name not in seen and marker in text:
                seen[name] = time.monotonic() - started
        if done.is_set():
            return
        done.wait(0.02)


def stop_server(process):
    """Stop the server `process` and wait until it and the processes it started (gunicorn's
    workers) are gone: the next server measured shares the machine with none of them."""
    if process.poll() is None:
        workers = children(process.pid)
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        wait_gone(workers)


def wait_gone(pids, timeout=30):
    """Wait until the processes `pids` have exited; kill those still there at `timeout`."""
    deadline = time.monotonic() + timeout
    while (alive := [pid for pid in pids if running(pid)]) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in alive:
        os.kill(pid, signal.SIGKILL)


def running(pid):
    """Whether the process `pid` exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def children(pid):
    """The processes `pid` started (gunicorn's workers)."""
    pids = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            pids += [int(child) for child in (task / "children").read_text().split()]
    except OSError:  # the process, or one of its threads, has just exited
        pass
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
