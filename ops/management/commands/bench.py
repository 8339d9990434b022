"""`make bench`: the site at scale, over real HTTP, against two floors and a peer.

For each corpus size (`--sizes`, or just `--instruments`), in a PostgreSQL database of its
own (made anew when the corpus asked for is not the one there), it loads the knowledge
base and a synthetic corpus, times the build of the search indexes, and reads the pages
to measure from the data (ops/bench_pages.py). In-process, with Django's test client, it
counts each page's SQL queries and keeps them (var/bench/sql/<page>.sql).

Then, at the largest size, one server at a time, each stopped (with its workers) before
the next starts, and each measurement waiting until the server is idle again:

1. the SQL floor: each page's queries, run by pgbench on the database alone;
2. the site cold (page cache off), with gunicorn as `make serve` runs it:
   `gunicorn config.wsgi -c config/gunicorn.py`, production settings, `--workers` workers;
3. the site warm (page cache in Redis);
4. the site warm while gunicorn recycles its workers every `--recycle-requests` requests;
5. Datasette, the peer, on the same catalogue exported to SQLite, cold.

The other sizes are measured cold, to compare. wrk measures each page for at least
`--duration` seconds and until at least `--min-requests` responses, in the same run as the
floor view (/bench/floor/: the cheapest Django view through the same server and
middleware). The report (var/bench/results.md and .json) ends with the issue's targets.

wrk and Datasette are installed by `make bench-tools`, not by this command.
"""

import contextlib
import gzip
import json
import os
import shutil
import signal
import statistics
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

from django.conf import settings
from django.core.management import BaseCommand, CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import (
    CaptureQueriesContext,
    override_settings,
    setup_test_environment,
    teardown_test_environment,
)

from core.pagination import PAGE_SIZE
from core.search import engine
from ops.bench_pages import build_pages, read_facts, sweep_urls
from ops.bench_report import markdown, targets
from ops.bench_tools import (
    UNMEASURED,
    WRK_SCRIPT,
    gunicorn_settings,
    log_events,
    memory,
    pgbench,
    probe,
    wait_idle,
    write_sql,
    wrk,
)
from ops.management.commands.generate_corpus import SYNTHETIC_SLUG
from ops.servers import (
    create_database,
    database_name,
    database_url,
    drop_database,
    flush_redis,
    get,
    gunicorn,
    start_server,
    stop_server,
    use_database,
    write_results,
)
from programs.models import Instrument

DATASETTE_VERSION = "0.65.5"
# Where `make bench-tools` installs it, apart from the project's own packages.
DATASETTE = Path(settings.BASE_DIR) / "var" / "bench" / "datasette-venv" / "bin" / "datasette"
GUNICORN_CONFIG = Path(settings.BASE_DIR) / "config" / "gunicorn.py"
REDIS_URL = "redis://127.0.0.1:6379/15"
FLOOR = "/bench/floor/"
# What the TLS proxy in front of gunicorn says: the request came over https.
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}
# Production settings whatever the caller's environment says; the bench sets its own.
UNSET = (
    "DJANGO_SECURE_SSL_REDIRECT",
    "DJANGO_SECURE_COOKIES",
    "DJANGO_PAGE_CACHE_SECONDS",
    "DJANGO_LOG_LEVEL",
    "REDIS_URL",
    "GUNICORN_MAX_REQUESTS",
    "GUNICORN_TIMEOUT",
)
# In gunicorn's log: the master is about to build the indexes, then forks its workers.
STARTUP_MARKERS = {"using_worker": "Using worker:", "first_worker": "Booting worker with pid"}
READS = ("SELECT", "WITH")
LOADED_LINKS = {
    "stylesheet", "icon", "preload", "modulepreload", "prefetch", "manifest", "preconnect",
    "apple-touch-icon",
}  # fmt: skip


class PageCheck(HTMLParser):
    """What a page asks the browser for: another host, a blocking script, an unsized image."""

    def __init__(self):
        super().__init__()
        self.problems = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        # A link to another site is followed only on a click; what a page loads is not.
        loaded = [attrs.get("src"), attrs.get("srcset"), attrs.get("poster")]
        # A <link> the browser fetches; not a page's other addresses (alternate, canonical).
        if tag == "link" and set((attrs.get("rel") or "").lower().split()) & LOADED_LINKS:
            loaded.append(attrs.get("href"))
        if any(url and url.strip().startswith(("http:", "https:", "//")) for url in loaded):
            self.problems.add("third_party")
        # A module is deferred anyway; JSON data is not run.
        classic = attrs.get("type") in (None, "", "text/javascript")
        if tag == "script" and classic and not ("defer" in attrs or "async" in attrs):
            self.problems.add("blocking_script")
        if tag == "img" and not ("width" in attrs and "height" in attrs):
            self.problems.add("unsized_image")


def read(client, url):
    """The response to `url` as https, like the TLS proxy, and its whole body: a streamed
    page (an export) queries while it is read."""
    response = client.get(url, secure=True)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def require_tools(datasette, sql_floor):
    """wrk, and pgbench and Datasette unless they are skipped: `make bench-tools`."""
    tools = ["wrk", *(["pgbench"] if sql_floor else [])]
    missing = [tool for tool in tools if not shutil.which(tool)]
    if datasette and not DATASETTE.exists():
        missing.append(f"Datasette {DATASETTE_VERSION} ({DATASETTE})")
    if missing:
        raise CommandError(
            f"{' and '.join(missing)} missing: run `make bench-tools` first (or pass "
            "--skip-sql-floor or --skip-datasette)."
        )


def sizes(value):
    return sorted({int(size) for size in value.split(",") if size.strip()})


class Command(BaseCommand):
    help = "Benchmark the site on PostgreSQL over HTTP against two floors and Datasette."

    def add_arguments(self, parser):
        parser.add_argument("--instruments", type=int, default=100_000)
        parser.add_argument(
            "--sizes",
            type=sizes,
            help="Corpus sizes, comma-separated (e.g. 10000,100000), each in a database of "
            "its own (its name suffixed with the size); all measured cold, the largest fully.",
        )
        parser.add_argument("--duration", type=int, default=10, help="Minimum s per page.")
        parser.add_argument("--min-requests", type=int, default=30, help="Minimum per page.")
        parser.add_argument("--max-seconds", type=int, default=180, help="Maximum s per page.")
        parser.add_argument("--connections", type=int, default=4)
        parser.add_argument("--workers", type=int, default=2, help="gunicorn workers.")
        parser.add_argument("--recycle-requests", type=int, default=500)
        parser.add_argument("--port", type=int, default=8765, help="Datasette gets the next.")
        parser.add_argument("--out", type=Path, default=Path("var/bench/results.md"))
        parser.add_argument("--skip-datasette", action="store_true")
        parser.add_argument("--skip-sql-floor", action="store_true")
        parser.add_argument(
            "--report-only",
            action="store_true",
            help="Write the report again from the results of the last run (--out's .json).",
        )
        parser.add_argument(
            "--regenerate",
            action="store_true",
            help="Drop the bench's databases and generate the corpus anew, even if it is there.",
        )

    def handle(self, *args, **options):
        if options["report_only"]:
            results = json.loads(options["out"].with_suffix(".json").read_text())
            results["targets"] = targets(results)
            write_results(self.stdout, options["out"], markdown(results), results)
            return
        require_tools(not options["skip_datasette"], not options["skip_sql_floor"])
        self.options = options
        self.work = Path(settings.BASE_DIR) / "var" / "bench"
        self.work.mkdir(parents=True, exist_ok=True)
        self.script = self.work / "measure.lua"
        self.script.write_text(WRK_SCRIPT)
        self.processes = []
        # A stopped run still stops its servers: SIGTERM unwinds through `finally`.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        base = database_name()
        if "bench" not in base:
            raise CommandError(
                "The bench drops and recreates its databases: DATABASE_URL must name a "
                f"PostgreSQL database of its own, with bench in its name, not {base}."
            )
        all_sizes = options["sizes"] or [options["instruments"]]
        results = {"settings": {key: str(value) for key, value in options.items()}}
        results.update(main=str(all_sizes[-1]), sizes=[str(size) for size in all_sizes], runs={})
        try:
            for size in all_sizes:
                name = f"{base}_{size}" if options["sizes"] else base
                full = size == all_sizes[-1]
                results["runs"][str(size)] = self.run_size(size, name, full, results)
        finally:
            for process in self.processes:
                stop_server(process)
        results["targets"] = targets(results)
        write_results(self.stdout, options["out"], markdown(results), results)

    def run_size(self, size, name, full, results):
        """Measure the corpus of `size` instruments in the database `name`: cold only, or
        `full`y (SQL floor, cold, warm, recycling, Datasette)."""
        self.stdout.write(f"== {size} instruments, database {name}")
        use_database(name)
        run = {"instruments": size, "database": name, "corpus": self.prepare_database(size)}
        engine.forget()
        started = time.monotonic()
        engine.warm()
        run["index_build_seconds"] = time.monotonic() - started
        if "gunicorn" not in results:
            results["gunicorn"] = gunicorn_settings(self.gunicorn(), self.site_env("cold"))
        limit = int(results["gunicorn"].get("limit_request_line") or 0)
        with self.site_client() as client:
            facts = read_facts(lambda url: self.results_of(client, url), limit)
            run["facts"] = vars(facts)
            run["pages"] = pages = build_pages(facts)
            sql = self.work / "sql" if full else self.work / "sql" / str(size)
            for key, page in pages.items():
                page.update(self.capture(client, page, sql / f"{key}.sql"))
            if full:
                run["sweep"] = self.sweep(client)
        if not full:
            for page in pages.values():
                page.pop("html", None)
            run["cold"] = self.measure_site(pages, "cold", size)
            return run
        run["front_end"] = self.front_end(pages)
        if not self.options["skip_sql_floor"]:
            run["sql_floor"] = self.measure_sql_floor(pages)
        for mode in ("cold", "warm", "recycling"):
            run[mode] = self.measure_site(pages, mode, size)
        if not self.options["skip_datasette"]:
            run["datasette"] = self.measure_datasette(pages)
        return run

    # Data ---------------------------------------------------------------------

    def prepare_database(self, wanted):
        """The database in use, with the knowledge base and the corpus asked for: a corpus
        of another size, or --regenerate, means a new database."""
        create_database(self.stdout)
        call_command("migrate", interactive=False, verbosity=0)
        synthetic = Instrument.objects.filter(slug__startswith=SYNTHETIC_SLUG).count()
        if self.options["regenerate"] or synthetic not in (0, wanted):
            drop_database(self.stdout)
            create_database(self.stdout)
            call_command("migrate", interactive=False, verbosity=0)
            synthetic = 0
        call_command("load_knowledge_base", if_empty=True)
        corpus = {"instruments": wanted, "generation_seconds": None, "reused": bool(synthetic)}
        if synthetic:
            self.stdout.write(f"Reusing the {synthetic} synthetic instruments already there.")
        else:
            started = time.monotonic()
            call_command("generate_corpus", database_name(), instruments=wanted, seed=1)
            corpus["generation_seconds"] = time.monotonic() - started
            # Fresh planner statistics, as a production database would have.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        call_command("collectstatic", interactive=False, verbosity=0)
        corpus["published"] = Instrument.objects.published().count()
        return corpus

    @contextlib.contextmanager
    def site_client(self):
        """Django's test client on the site, page cache off; responses keep their context."""
        setup_test_environment()
        try:
            with override_settings(PAGE_CACHE_SECONDS=0):
                yield Client()
        finally:
            teardown_test_environment()

    def results_of(self, client, url):
        """How many instruments a catalogue URL finds (None if it is no catalogue page)."""
        return self.rows(client.get(url, secure=True))  # as https, like the TLS proxy

    def capture(self, client, page, sql_file):
        """A page's SQL queries (the read-only ones written to `sql_file` for pgbench), its
        status, size and results, and its HTML for the front-end checks."""
        client.get(page["url"], secure=True)  # warms per-process caches
        with CaptureQueriesContext(connection) as queries:
            response, body = read(client, page["url"])
        if response.status_code not in page["expect"]:
            raise CommandError(f"{page['url'][:200]} answered {response.status_code}.")
        # PostgreSQL's captured SQL has its parameters in it: it runs as it is.
        statements = [query["sql"] for query in queries.captured_queries]
        reads = [sql for sql in statements if sql.lstrip().upper().startswith(READS)]
        write_sql(sql_file, reads)
        found = {
            "queries": len(statements),
            "sql_file": str(sql_file.relative_to(settings.BASE_DIR)),
            "sql_statements": len(reads),
            "sql_skipped": [sql.split()[0] for sql in statements if sql not in reads],
            "status": response.status_code,
            "bytes": len(body),
            "html": body.decode(errors="replace"),
        }
        if (rows := self.rows(response)) is not None:
            found["rows"] = rows
        return found

    def sweep(self, client):
        """Every other kind of page, in process: its status, size and median time of three
        reads after a first (which fills per-process caches)."""
        found = []
        for label, url in sweep_urls():
            read(client, url)
            times = []
            for _ in range(3):
                started = time.perf_counter()
                response, body = read(client, url)
                times.append((time.perf_counter() - started) * 1000)
            found.append(
                {
                    "label": label,
                    "url": url,
                    "status": response.status_code,
                    "ms": statistics.median(times),
                    "kb": len(body) / 1024,
                }
            )
        return found

    def rows(self, response):
        """How many instruments a catalogue page found; None for another page."""
        with contextlib.suppress(KeyError, TypeError, AttributeError):
            if "filterset" in response.context:
                return response.context["page"].paginator.count
        return None

    def front_end(self, pages):
        """The compressed weight of the project's own CSS and JavaScript, and the checks."""
        static_root = Path(settings.STATIC_ROOT)
        manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
        own = [Path(directory) for directory in settings.STATICFILES_DIRS]
        weight = 0
        for original, hashed in manifest.items():
            if original.endswith((".css", ".js")) and any((d / original).exists() for d in own):
                compressed = static_root / f"{hashed}.gz"
                # whitenoise skips the .gz when compression gains nothing.
                weight += (
                    compressed.stat().st_size
                    if compressed.exists()
                    else len(gzip.compress((static_root / hashed).read_bytes()))
                )
        problems = {}
        for key, page in pages.items():
            check = PageCheck()
            check.feed(page.pop("html"))
            problems[key] = sorted(check.problems)
        checks = {
            name: not any(name in found for found in problems.values())
            for name in ("third_party", "blocking_script", "unsized_image")
        }
        return {"css_js_gzip_kb": weight / 1024, "checks": checks, "problems": problems}

    # Measurements ---------------------------------------------------------------

    def measure_sql_floor(self, pages):
        """Each page's read-only SQL run by pgbench, the database alone."""
        self.stdout.write("SQL floor (pgbench, the database alone):")
        connection.close()
        results = {}
        for key, page in pages.items():
            if not page["sql_statements"]:
                results[key] = {"error": "no SQL"}
                continue
            results[key] = result = pgbench(
                Path(settings.BASE_DIR) / page["sql_file"], self.options
            )
            self.stdout.write(
                f"  {page['label']}: {result.get('latency_ms')} ms, {result.get('tps')} tps"
                + (f" ({result['error']})" if "error" in result else "")
            )
        return results

    def measure(self, base, page, pid, headers=None, url_key="url"):
        """One page (or the floor: `page` None) of the server `pid` at `base`: three
        requests first (the answer checked), then wrk; then wait until the server is idle."""
        url = base + (page[url_key] if page else FLOOR)
        expect = page["expect"] if page else [200]
        try:
            for _ in range(3):
                status, body, seconds = probe(url, headers)
        except OSError as error:
            self.stderr.write(f"  {url[:100]}: {error}")
            return {**UNMEASURED, "error": str(error)}
        answer = {"status": status, "bytes": len(body), "probe_ms": seconds * 1000}
        if status not in expect:
            return {**UNMEASURED, **answer, "error": f"answered {status}"}
        result = {**wrk(url, self.script, self.options, headers), **answer}
        result["drain_seconds"] = wait_idle(pid)
        label = page["label"] if page else "Floor"
        self.stdout.write(
            f"  {label}: p95 {result['p95_ms']} ms, p99 {result['p99_ms']} ms, "
            f"{result['requests']} requests, {result['rps']} req/s"
            + (f" ({result['error']})" if "error" in result else "")
        )
        return result

    def gunicorn(self):
        """`gunicorn config.wsgi -c config/gunicorn.py`, as `make serve` runs it."""
        return gunicorn("-c", str(GUNICORN_CONFIG))

    def site_env(self, mode):
        """The environment of the site's server: production settings, the bench's database,
        the page cache off (cold) or on (warm, recycling), workers recycled (recycling)."""
        env = {key: value for key, value in os.environ.items() if key not in UNSET}
        env.update(
            DJANGO_SETTINGS_MODULE="ops.settings",  # the product's, plus the floor view
            DJANGO_DEBUG="false",
            DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
            DJANGO_SECRET_KEY=settings.SECRET_KEY,
            DATABASE_URL=database_url(database_name()),
            WEB_CONCURRENCY=str(self.options["workers"]),
            HOST="127.0.0.1",
            PORT=str(self.options["port"]),
            DJANGO_PAGE_CACHE_SECONDS="0" if mode == "cold" else "600",
            # wrk is one client: the API's per-client limit would answer it 429 after 120.
            DJANGO_API_RATE="1000000/min",
        )
        if mode == "recycling":
            env["GUNICORN_MAX_REQUESTS"] = str(self.options["recycle_requests"])
        return env

    def measure_site(self, pages, mode, size):
        env = self.site_env(mode)
        cache = "off"
        if mode != "cold":
            problem = flush_redis(REDIS_URL)
            cache = f"files in var/cache ({problem})" if problem else f"Redis ({REDIS_URL})"
            if not problem:
                env["REDIS_URL"] = REDIS_URL
        self.stdout.write(f"Our site, {mode} (page cache: {cache}):")
        log = self.work / f"gunicorn-{size}-{mode}.log"
        base = f"http://127.0.0.1:{self.options['port']}"
        server = start_server(
            self.gunicorn(), base + FLOOR, log, env, PROXY_HEADERS, STARTUP_MARKERS
        )
        self.processes.append(server)
        results = {"mode": mode, "cache": cache, "startup": server.startup}
        results["idle_at_start_seconds"] = wait_idle(server.pid)
        if mode == "recycling":
            results["gunicorn"] = gunicorn_settings(self.gunicorn(), env)
        results["floor"] = self.measure(base, None, server.pid, PROXY_HEADERS)
        results["pages"] = {
            key: self.measure(base, page, server.pid, PROXY_HEADERS) for key, page in pages.items()
        }
        # Read before stopping: what each process holds after serving every page.
        results["memory"] = memory(server.pid)
        stop_server(server)
        results["log"] = log_events(log.read_text(errors="replace"), self.options["workers"])
        return results

    def measure_datasette(self, pages):
        database = self.work / "catalogue.db"
        call_command("export_datasette", str(database))
        port = self.options["port"] + 1
        # Its time limits are raised so that it does the same work instead of giving up on
        # facets; facet suggestions are off, as the site makes none.
        command = [str(DATASETTE), "serve", "--immutable", str(database), "-p", str(port)]
        for setting, value in [
            ("sql_time_limit_ms", 20000),
            ("facet_time_limit_ms", 20000),
            ("num_sql_threads", 3),
            ("default_page_size", PAGE_SIZE),
            ("suggest_facets", "off"),
        ]:
            command += ["--setting", setting, str(value)]
        base = f"http://127.0.0.1:{port}"
        server = start_server(command, base + "/-/versions.json", self.work / "datasette.log")
        self.processes.append(server)
        self.stdout.write("Datasette, cold:")
        results = {"startup": server.startup}
        for key, page in pages.items():
            if not page["datasette_url"]:
                continue
            path, _, query = page["datasette_url"].partition("?")
            if query:
                with contextlib.suppress(OSError, ValueError):  # measure() says why
                    found = json.loads(get(f"{base}{path}.json?{query}")[1])
                    page["datasette_rows"] = found.get("filtered_table_rows_count")
            results[key] = self.measure(base, page, server.pid, url_key="datasette_url")
        results["memory"] = memory(server.pid)
        stop_server(server)
        return results
