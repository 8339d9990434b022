"""The site as `make serve` runs it: the real gunicorn, with config/gunicorn.py and the
production settings, in its own processes, talked to over raw sockets as clients and a
proxy would. Each server starts once for the module.

What it checks: idle and slow clients do not stall the site; gunicorn's own error
answers carry the site's headers; a request stuck for longer than gunicorn's timeout gets
its worker replaced; a busy worker lets kept-alive connections go, so that they
spread over the workers; and a database that hangs or is locked gives `/healthz` and pages a
503 within five seconds.
"""

import contextlib
import http.client
import os
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from tests.test_database_timeouts import UNAVAILABLE, served_database_url
from tests.test_security import HEADERS, wrong_headers

# The servers read the test database (which this marker has the run create).
pytestmark = pytest.mark.django_db
# What does not depend on the test database (gunicorn and its clients, threads, a hung
# database at a fixed PostgreSQL address) is checked once, in the SQLite run: the two
# runs share CI's two cores. A locked database is checked on each.
ONCE = pytest.mark.sqlite

ROOT = Path(__file__).resolve().parent.parent
WORKERS, THREADS = 2, 4  # as the 2-worker server; config/gunicorn.py's threads
READ_TIMEOUT = 2  # GUNICORN_READ_TIMEOUT for these servers (10 s in production)
# What a page may take here when nothing is wrong (loaded 2-core machine).
QUICK = 2.0
# Requests come from the TLS proxy on this machine, which says they came over https.
PROXY_HEADERS = {"Host": "localhost", "X-Forwarded-Proto": "https"}


@dataclass
class Server:
    port: int
    process: subprocess.Popen
    log: Path

    def get(self, path, timeout=10, **headers):
        """(status, headers, body, seconds) of one GET on a new connection."""
        started = time.monotonic()
        client = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            client.request("GET", path, headers={**PROXY_HEADERS, **headers})
            response = client.getresponse()
            body = response.read().decode("utf-8", "replace")
        finally:
            client.close()
        return response.status, response.headers, body, time.monotonic() - started

    def connect(self):
        return socket.create_connection(("127.0.0.1", self.port), timeout=10)

    def raw(self, data):
        """Send `data` as is; what comes back, until the server closes."""
        with self.connect() as sock:
            sock.sendall(data)
            received = b""
            while chunk := sock.recv(65536):
                received += chunk
        head, _, body = received.partition(b"\r\n\r\n")
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers = dict(line.split(": ", 1) for line in lines)
        return int(status_line.split()[1]), headers, body.decode("utf-8", "replace")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def gunicorn(tmp_path, database_url, app="config.wsgi", workers=WORKERS, **env):
    """gunicorn serving `app` as `make serve` does, on a port of its own."""
    port = free_port()
    log = tmp_path / f"gunicorn-{port}.log"
    clean = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    environment = {
        **clean,
        "DJANGO_SETTINGS_MODULE": "tests.served_settings",
        "TEST_STATIC_ROOT": str(settings.STATIC_ROOT),
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "localhost",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DATABASE_URL": database_url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": str(workers),
        "GUNICORN_READ_TIMEOUT": str(READ_TIMEOUT),
        **env,
    }
    command = [sys.executable, "-m", "gunicorn", app, "-c", "config/gunicorn.py"]
    # The control socket's default path is shared by every gunicorn of this user.
    command.append("--no-control-socket")
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT
        )
    server = Server(port, process, log)
    try:
        wait_until_listening(server)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_listening(server, seconds=60):
    """Until a worker has booted: the master prepares (config/warmup.py) before it forks,
    and a database that hangs makes that take its connect timeout."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.process.poll() is None, server.log.read_text()
        with contextlib.suppress(OSError), server.connect():
            if "Booting worker" in server.log.read_text():
                return
        time.sleep(0.1)
    raise AssertionError(f"gunicorn did not start:\n{server.log.read_text()}")


@pytest.fixture(scope="module")
def database_url(django_db_setup, django_db_blocker, tmp_path_factory):
    """The test database with the knowledge base, where another process can reach it:
    PostgreSQL's as it is; SQLite's, which lives in this process's memory, copied to a
    file."""
    if connection.vendor == "postgresql":
        return served_database_url()
    path = tmp_path_factory.mktemp("served") / "db.sqlite3"
    with django_db_blocker.unblock():
        connection.ensure_connection()
        with sqlite3.connect(path) as copy:
            connection.connection.backup(copy)
    return f"sqlite:///{path}"


@pytest.fixture(scope="module")
def site(database_url, tmp_path_factory):
    with gunicorn(tmp_path_factory.mktemp("site"), database_url) as server:
        # Every worker booted and connected: a few requests, until all answer quickly.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            answers = [server.get("/healthz") for _ in range(2 * WORKERS)]
            if all(status == 200 and seconds < 0.5 for status, _, _, seconds in answers):
                break
        yield server


def assert_pages_answer_quickly(site):
    for path in ("/healthz", "/", "/grupos/", "/instrumentos/?q=ninos"):
        status, _, _, seconds = site.get(path, timeout=QUICK + 8)
        assert status == 200, path
        assert seconds < QUICK, (path, seconds)


# Idle and slow clients ------------------------------------------------------------------

# More connections than the server has threads, several times over.
MANY = 5 * WORKERS * THREADS


@ONCE
def test_idle_connections_do_not_stall_the_site(site):
    idle = [site.connect() for _ in range(MANY)]
    try:
        time.sleep(0.3)
        assert_pages_answer_quickly(site)
    finally:
        for sock in idle:
            sock.close()


def closed_by_server(sock, within):
    """Whether the server closes `sock` within `within` seconds (of whatever it says)."""
    sock.settimeout(within)
    try:
        while sock.recv(65536):
            pass
    except TimeoutError:
        return False
    except ConnectionResetError:
        pass
    return True


@ONCE
def test_clients_sending_their_request_slowly_do_not_stall_the_site(site):
    slow = [site.connect() for _ in range(MANY)]
    try:
        for sock in slow:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: local")  # and nothing more
        time.sleep(0.3)
        assert_pages_answer_quickly(site)
        # Then the server gives up on them.
        assert closed_by_server(slow[0], within=READ_TIMEOUT + 3)
    finally:
        for sock in slow:
            sock.close()


@ONCE
def test_a_body_sent_too_slowly_is_given_up_on(site):
    with site.connect() as sock:
        started = time.monotonic()
        sock.sendall(
            b"POST /i18n/setlang/ HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-Proto: https\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n"
            b"language=en"
        )
        assert closed_by_server(sock, within=READ_TIMEOUT + 3)
        assert time.monotonic() - started < READ_TIMEOUT + 3
    assert_pages_answer_quickly(site)


# gunicorn's own answers -----------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
GUNICORN_ERRORS = {
    # The request line is longer than gunicorn takes (4094 bytes).
    "URI too long": (414, f"GET /{SCRIPT}{'a' * 5000} HTTP/1.1\r\nHost: localhost\r\n\r\n"),
    # A header longer than gunicorn takes (8190 bytes).
    "header too large": (
        431,
        f"GET / HTTP/1.1\r\nHost: localhost\r\nX-Junk: {SCRIPT}{'a' * 9000}\r\n\r\n",
    ),
    "not HTTP": (400, f"{SCRIPT}\r\n\r\n"),
    "bad method": (400, f"G{SCRIPT}T / HTTP/1.1\r\nHost: localhost\r\n\r\n"),
}


@ONCE
@pytest.mark.parametrize("request_text", GUNICORN_ERRORS.values(), ids=GUNICORN_ERRORS.keys())
def test_gunicorns_own_answers_carry_the_sites_headers(site, request_text):
    expected, text = request_text
    status, headers, body = site.raw(text.encode("latin-1"))
    assert status == expected
    response = FakeResponse(headers)
    assert wrong_headers(response, HEADERS) == {}
    assert SCRIPT not in body and "alert" not in body
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["X-Request-ID"] in body
    assert headers["X-Request-ID"] in site.log.read_text()


class FakeResponse:
    """What wrong_headers() reads of a response: its headers."""

    def __init__(self, headers):
        self.headers = headers


@ONCE
def test_django_still_answers_what_gunicorn_lets_through(site):
    status, headers, _, _ = site.get("/" + "a" * 3000)
    assert status == 404
    assert wrong_headers(FakeResponse(headers), HEADERS) == {}


# A stuck request --------------------------------------------------------------------------


@ONCE
def test_a_request_stuck_past_the_timeout_gets_its_worker_replaced(tmp_path):
    """As sync workers are: a threaded worker's main loop would report to gunicorn's
    arbiter for ever while one of its threads hangs."""
    server = gunicorn(tmp_path, "sqlite://", app="tests.stuck_app", workers=1, GUNICORN_TIMEOUT="2")
    with server as server, server.connect() as stuck:
        first = server.get("/")[2]
        stuck.sendall(b"GET /stuck HTTP/1.1\r\nHost: localhost\r\n\r\n")
        # Meanwhile the worker's other threads serve.
        assert server.get("/")[2] == first
        deadline = time.monotonic() + 20
        worker = first
        while worker == first and time.monotonic() < deadline:
            time.sleep(0.5)
            with contextlib.suppress(OSError, http.client.HTTPException):
                worker = server.get("/", timeout=5)[2]
        assert worker != first, server.log.read_text()
        assert "will be replaced" in server.log.read_text()


# Connections spread over the workers -------------------------------------------------------


def keeps_alive(client, path="/"):
    """Whether the server keeps `client`'s connection open after answering `path`."""
    client.request("GET", path, headers={"Host": "localhost"})
    response = client.getresponse()
    response.read()
    return response.getheader("Connection", "").lower() != "close"


@ONCE
def test_a_busy_worker_lets_a_kept_alive_connection_go(tmp_path):
    """A kept-alive connection stays with its worker: one that answers while half its
    threads (or more) run other requests closes the connection, so that the client's next
    request can go to a less busy worker (config/workers.py). Less busy, it keeps it."""
    server = gunicorn(tmp_path, "sqlite://", app="tests.stuck_app", workers=1, GUNICORN_TIMEOUT="2")
    with server as server, server.connect() as first, server.connect() as second:
        client = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        assert keeps_alive(client) and keeps_alive(client)
        for stuck in (first, second):  # half of the worker's 4 threads
            stuck.sendall(b"GET /stuck HTTP/1.1\r\nHost: localhost\r\n\r\n")
        started = time.monotonic()
        # Once both run, and before their worker is found stuck (2 s), which closes every
        # connection too.
        while keeps_alive(client) and time.monotonic() - started < 1.5:
            time.sleep(0.02)
        assert time.monotonic() - started < 1.5
        client.close()
        # Let the stuck worker be replaced, so that the server stops at once.
        deadline = time.monotonic() + 20
        while server.log.read_text().count("Booting worker") < 2 and time.monotonic() < deadline:
            time.sleep(0.2)


# A database that hangs ------------------------------------------------------------------


@pytest.fixture(scope="module")
def black_hole():
    """A server that accepts connections and never says a word, as a hung database
    does: the address and port of a database URL."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    accepted = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                accepted.append(listener.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for sock in accepted:
        sock.close()
    listener.close()


@pytest.fixture(scope="module")
def hung_database_site(black_hole, tmp_path_factory):
    url = f"postgres://app@127.0.0.1:{black_hole}/buenas_practicas"
    with gunicorn(tmp_path_factory.mktemp("hung"), url, workers=1) as server:
        yield server


def assert_unavailable_in_time(site, path):
    status, headers, body, seconds = site.get(path, timeout=30)
    assert status == 503, (path, body[:500])
    assert seconds < 5, (path, seconds)
    assert wrong_headers(FakeResponse(headers), HEADERS) == {}
    return body


@ONCE
def test_a_hung_database_gives_the_health_check_503_within_five_seconds(hung_database_site):
    body = assert_unavailable_in_time(hung_database_site, "/healthz")
    assert '"database": "unavailable"' in body


@ONCE
def test_a_hung_database_gives_pages_a_plain_503_within_five_seconds(hung_database_site):
    for path in ("/", "/instrumentos/"):
        body = assert_unavailable_in_time(hung_database_site, path)
        assert UNAVAILABLE in body


@pytest.mark.sqlite
def test_a_locked_sqlite_database_gives_503_within_five_seconds(site, database_url):
    """Another process writing (a restore, say) holds SQLite's lock: requests wait for it
    no longer than the timeout."""
    holder = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        assert_unavailable_in_time(site, "/healthz")
        assert UNAVAILABLE in assert_unavailable_in_time(site, "/grupos/")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert_pages_answer_quickly(site)


@pytest.mark.postgresql
def test_a_table_locked_in_postgresql_gives_pages_503_within_five_seconds(site):
    """A migration or a stuck transaction holds a lock every page's first query waits for."""
    db = connection.settings_dict
    with psycopg.connect(
        dbname=db["NAME"], host=db["HOST"], port=db["PORT"] or None, user=db["USER"]
    ) as holder:
        holder.execute("LOCK TABLE core_contentrevision IN ACCESS EXCLUSIVE MODE")
        assert UNAVAILABLE in assert_unavailable_in_time(site, "/grupos/")
        assert_unavailable_in_time(site, "/healthz")
        holder.rollback()
    assert_pages_answer_quickly(site)


# Threads ---------------------------------------------------------------------------------


@ONCE
def test_stemming_gives_the_same_stems_from_many_threads_at_once():
    """Each worker serves requests in threads, and every search stems words: the Snowball
    stemmer keeps its state in itself, and threads sharing it got wrong stems or
    IndexError (a 500 under `wrk` on /instrumentos/?q=ninos)."""
    from core.search.analyzer import stem

    words = [
        f"{root}{ending}"
        for root in ("trabaj", "migr", "protec", "atend", "refugi")
        for ending in ("adores", "antes", "aciones", "imientos", "idas", "ando", "aremos")
    ]
    expected = {word: stem.__wrapped__(word) for word in words}  # one thread, uncached
    results, errors = [], []

    def stem_all():
        try:
            for _ in range(200):
                results.extend((word, stem.__wrapped__(word)) for word in words)
        except Exception as error:  # noqa: BLE001 - any error is the finding
            errors.append(error)

    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        threads = [threading.Thread(target=stem_all) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(previous)
    assert errors == []
    assert {word: result for word, result in results if result != expected[word]} == {}
