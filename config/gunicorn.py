"""gunicorn's settings for `make serve`: read by `gunicorn -c config/gunicorn.py`."""

import multiprocessing
import os
import sys

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# Each worker serves `threads` requests at once. Connections waiting for a request (new,
# or kept alive between requests) hold no thread, so idle or slow clients cannot use them
# all up: config/workers.py.
worker_class = "config.workers.Worker"
threads = int(os.environ.get("WEB_THREADS", "4"))
# The threads of a worker take turns on the interpreter lock. A thread back from the
# database waits until the running one lets go, by default after 5 ms, so that with two
# requests at once a page waited up to 5 ms after each of its queries. At 0.5 ms (wrk, 4
# connections, 2 workers, 100,000 instruments, 10 s each): the catalogue with two filters
# p90 144 → 77 ms and 48 → 56 req/s, a search p90 186 → 110 ms, an area p90 164 → 107 ms.
SWITCH_INTERVAL_SECONDS = 0.0005
# Kept-alive connections (from the proxy, or from browsers) wait this long for another request.
keepalive = 5
# A request slower than this is stuck; its worker is replaced rather than left hanging.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
# Workers are recycled now and then, so that no slow leak can grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "10000"))
max_requests_jitter = max_requests // 10
# Django logs each request as JSON with its id (config.middleware); gunicorn logs only
# its own errors, to stderr.
accesslog = None
errorlog = "-"
# Only the proxy on this machine may say a request came over https.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# The app is loaded once, in the master, which builds the search indexes of the knowledge
# base and renders each kind of page once before forking (config/warmup.py): every
# worker starts with them (shared, copy on write) instead of each building and loading
# them on its first requests (seconds at 100,000 instruments).
preload_app = True


def when_ready(server):
    from django.apps import apps

    if apps.ready:  # the app is the site (config.wsgi), not a test's bare WSGI app
        from config.warmup import warm

        warm()


def post_fork(server, worker):
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
