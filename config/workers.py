"""The gunicorn worker `make serve` runs (config/gunicorn.py): gunicorn's threaded worker
(gthread), made to withstand clients that connect and send nothing, or send slowly, when
no buffering proxy stands in front.

* A connection waits on the worker's poller, holding no thread, until the head of its
  next request (request line and headers) has arrived in full: idle and slowly sending
  clients cost a file descriptor each, up to `worker_connections`. A new connection that
  does not complete a request head within `READ_SECONDS`, or a kept-alive one within
  `keepalive`, is closed. (gthread itself gives each new connection a thread for up to
  5 s and reads request heads in threads, so a few idle or slow clients stall every
  request.)
* A request's body is read in its thread, and must arrive within `READ_SECONDS` of the
  request's start, however slowly the client sends: one client can hold a thread that
  long at most. (A buffering proxy in front takes even that away.)
* A request still running after gunicorn's `timeout` gets its worker replaced, as with
  sync workers: the worker stops reporting to the arbiter, which then restarts it.
  (gthread's main loop reports whatever its threads are doing.)
* A request that starts while half the worker's threads (or more) already run others
  closes its connection once answered (`Connection: close`). A kept-alive connection
  stays with the worker that accepted it, and the workers race to accept: four
  connections from a proxy or a load tester could all land on one worker, which then
  served them on one core while the other worker sat idle (seen in `make bench`: one
  worker at 100% CPU, the other at 0%, a page served at four times its cost).
  Reconnecting, the client goes to whichever worker accepts first, most often the less
  busy one. A worker below that load keeps its connections alive: closing every shared
  connection cost the evenly spread case a quarter of its throughput in reconnections.
* gunicorn's own answers (a request line or headers too long or malformed, which never
  reach Django) carry the headers every answer of the site carries, a request id, and a
  body that does not echo the request.

Only gunicorn imports this module; nothing of the site does.
"""

import errno
import logging
import os
import selectors
import textwrap
import threading
import time
import uuid
from functools import partial

from gunicorn import util
from gunicorn.http.errors import NoMoreData
from gunicorn.workers import gthread

# Seconds a new connection may take to send a request head, and a request to arrive in full.
READ_SECONDS = float(os.environ.get("GUNICORN_READ_TIMEOUT", "").strip() or 10)
# A head this long is handed to a thread even unfinished: gunicorn's parser then refuses
# it (431), within its limits on the request line and headers.
MAX_HEAD = 64 * 1024

log = logging.getLogger("gunicorn.error")


class Worker(gthread.ThreadWorker):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.started = {}  # {thread id: when its request started}

    def accept(self, listener):
        try:
            sock, client = listener.accept()
        except OSError as error:
            if error.errno in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                return
            raise
        self.nr_conns += 1
        conn = Connection(self.cfg, sock, client, listener.getsockname())
        # The pending connections are closed in the order they time out
        # (murder_pending): every one here gets the same delay, so the order holds.
        conn.timeout = time.monotonic() + READ_SECONDS
        self.pending_conns.append(conn)
        self.poller.register(
            conn.sock, selectors.EVENT_READ, partial(self.on_pending_socket_readable, conn)
        )

    def on_pending_socket_readable(self, conn, client):
        self.read_head(conn, self.pending_conns)

    def on_client_socket_readable(self, conn, client):
        self.read_head(conn, self.keepalived_conns)

    def read_head(self, conn, waiting):
        """Take what the client has sent, without waiting; once the request's head is
        complete (or the client has gone), hand the connection to a thread."""
        try:
            data = conn.sock.recv(MAX_HEAD)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        conn.head += data
        if data and not complete(conn.head):
            return
        self.poller.unregister(conn.sock)
        waiting.remove(conn)
        if not data:
            self.nr_conns -= 1
            conn.close()
            return
        conn.data_ready = True
        self.enqueue_req(conn)

    def handle_request(self, req, conn):
        thread = threading.get_ident()
        if len(self.started) >= max(1, self.cfg.threads // 2):  # the module's docstring
            req.must_close = True
        self.started[thread] = time.monotonic()
        try:
            return super().handle_request(req, conn)
        finally:
            self.started.pop(thread, None)

    def notify(self):
        now = time.monotonic()
        # A copy: threads add and remove their entries meanwhile.
        running = now - min(self.started.copy().values(), default=now)
        if self.cfg.timeout and running > self.cfg.timeout:
            if self.alive:
                self.log.critical("A request has run %.0f s: this worker will be replaced", running)
                self.alive = False  # accept nothing more meanwhile
            return
        super().notify()


def complete(head):
    return b"\r\n\r\n" in head or b"\n\n" in head or len(head) >= MAX_HEAD


class Connection(gthread.TConn):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.head = b""  # what the poller read of the next request

    def init(self):
        super().init()
        unreader = self.parser.unreader
        if not isinstance(unreader.sock, Deadline):
            unreader.sock = Deadline(unreader.sock)
        # init() runs before each request on the connection.
        unreader.sock.restart()
        unreader.unread(self.head)
        self.head = b""


class ReadTimeout(NoMoreData, TimeoutError):
    """What reading past the deadline raises: gthread closes the connection quietly on
    NoMoreData while it reads a request, and stops draining its body on TimeoutError."""


class Deadline:
    """A connection's socket as gunicorn's request parser reads it: each receive waits no
    longer than what is left of the request's `READ_SECONDS`."""

    def __init__(self, sock):
        self.sock = sock
        self.deadline = time.monotonic() + READ_SECONDS

    def restart(self):
        self.deadline = time.monotonic() + READ_SECONDS

    def recv(self, size):
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise ReadTimeout()
        previous = self.sock.gettimeout()
        self.sock.settimeout(remaining if previous is None else min(previous, remaining))
        try:
            return self.sock.recv(size)
        except TimeoutError:
            raise ReadTimeout() from None
        finally:
            self.sock.settimeout(previous)

    def __getattr__(self, name):
        return getattr(self.sock, name)


# gunicorn's own error answers: the same headers as the site's (config/settings.py), with
# a policy that allows nothing at all, since the page loads nothing.
ERROR_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def write_error(sock, status_int, reason, mesg):
    """gunicorn's util.write_error, with the site's headers and a request id, and a page
    that names the error without repeating what the client sent (`mesg`)."""
    request_id = uuid.uuid4().hex
    log.warning("Answered %s %s (request id %s)", status_int, reason, request_id)
    body = textwrap.dedent(
        f"""\
        <!doctype html>
        <html lang="en">
        <head><meta charset="utf-8"><title>{status_int} {reason}</title></head>
        <body><h1>{status_int} {reason}</h1><p>Request id: {request_id}</p></body>
        </html>
        """
    ).encode()
    headers = {
        **ERROR_HEADERS,
        "Connection": "close",
        "Content-Type": "text/html; charset=utf-8",
        "Content-Length": str(len(body)),
        "X-Request-ID": request_id,
    }
    head = f"HTTP/1.1 {status_int} {reason}\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    util.write_nonblock(sock, head.encode("latin-1") + b"\r\n" + body)


# gunicorn writes every answer of its own through this one function
# (gunicorn.workers.base.Worker.handle_error looks it up at each call).
util.write_error = write_error
