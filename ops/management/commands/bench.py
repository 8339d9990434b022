"""`make bench`: the site at scale, over real HTTP, against a floor and a peer.

On PostgreSQL, in its own database (dropped and made anew when the corpus asked for is not
the one there), it loads the knowledge base and a synthetic corpus, then serves the site
with gunicorn in production mode, twice: with the page cache off (cold) and on (warm). `wrk`
measures each page and, in the same run, the floor: the cheapest Django view through the
same server and middleware. The peer is Datasette serving the same catalogue exported to
SQLite. Queries per page are counted in-process; front-end weight and hygiene are read
from the collected static files and the rendered pages.

wrk and Datasette are installed by `make bench-tools`, not by this command.
"""

import contextlib
import gzip
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

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
from ops.management.commands.generate_corpus import SYNTHETIC_SLUG
from ops.servers import (
    children,
    create_database,
    database_name,
    drop_database,
    flush_redis,
    get,
    gunicorn,
    resident_mb,
    start_server,
    stop_server,
    write_results,
)
from practices.models import ThematicArea
from programs.models import Instrument

DATASETTE_VERSION = "0.65.5"
# Where `make bench-tools` installs it, apart from the project's own packages.
DATASETTE = Path(settings.BASE_DIR) / "var" / "bench" / "datasette-venv" / "bin" / "datasette"
REDIS_URL = "redis://127.0.0.1:6379/15"
FLOOR = "/bench/floor/"
PAGES = {
    "home": "Home",
    "area": "Area 2",
    "catalogue": "Catalogue, 2 filters + facets",
    "search": "Search",
    "search_filtered": "Search + filters",
    "deep": "Deep page",
    "instrument": "Instrument",
}
# The catalogue's pages: held to 20 times the floor when cold, and their results counted.
CATALOGUE_PAGES = ("catalogue", "search", "search_filtered", "deep")
MAX_QUERIES = 12
MAX_RSS_MB = 250
MAX_GENERATION_SECONDS = 180
MAX_FRONT_END_KB = 30
DATASETTE_FACETS = [
    ("_facet", "kind"),
    ("_facet_array", "areas"),
    ("_facet_array", "groups"),
    ("_facet_array", "places"),
    ("_facet_array", "institutions"),
    ("_facet", "status"),
]
# An area page counts its instruments by kind and by target group.
AREA_FACETS = [("_facet", "kind"), ("_facet_array", "groups")]
# wrk reports through this: one JSON line once the run is done.
WRK_REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    '{"p50_ms": %.3f, "p95_ms": %.3f, "p99_ms": %.3f, "requests": %d, "seconds": %.3f, '
    .. '"rps": %.3f, "non_2xx": %d, "socket_errors": %d}\\n',
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, summary.requests, seconds, summary.requests / seconds,
    e.status, e.connect + e.read + e.write + e.timeout))
end
"""


class PageCheck(HTMLParser):
    """What a page asks the browser for: another host, a blocking script, an unsized image."""

    def __init__(self):
        super().__init__()
        self.problems = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        # A link to another site is followed only on a click; what a page loads is not.
        loaded = [attrs.get("src"), attrs.get("srcset"), attrs.get("poster")]
        if tag == "link":
            loaded.append(attrs.get("href"))
        if any(url and url.strip().startswith(("http:", "https:", "//")) for url in loaded):
            self.problems.add("third_party")
        # A module is deferred anyway; JSON data is not run.
        classic = attrs.get("type") in (None, "", "text/javascript")
        if tag == "script" and classic and not ("defer" in attrs or "async" in attrs):
            self.problems.add("blocking_script")
        if tag == "img" and not ("width" in attrs and "height" in attrs):
            self.problems.add("unsized_image")


def ratio(numerator, denominator):
    return numerator / denominator if numerator is not None and denominator else None


def cell(value, digits=1, suffix=""):
    return "–" if value is None else f"{value:.{digits}f}{suffix}"


def wrk_result(output):
    """The JSON line a wrk script's `done()` writes, from wrk's output."""
    return json.loads(next(line for line in output.splitlines() if line.startswith("{")))


def require_tools(datasette):
    """wrk, and Datasette unless it is skipped: `make bench-tools` installs them."""
    missing = [] if shutil.which("wrk") else ["wrk"]
    if datasette and not DATASETTE.exists():
        missing.append(f"Datasette {DATASETTE_VERSION} ({DATASETTE})")
    if missing:
        raise CommandError(
            f"{' and '.join(missing)} missing: run `make bench-tools` first"
            + (" (or pass --skip-datasette)." if datasette else ".")
        )


class Command(BaseCommand):
    help = "Benchmark the site on PostgreSQL over HTTP against a floor and Datasette."

    def add_arguments(self, parser):
        parser.add_argument("--instruments", type=int, default=100_000)
        parser.add_argument("--duration", type=int, default=10, help="Seconds of wrk per page.")
        parser.add_argument("--connections", type=int, default=4)
        parser.add_argument("--workers", type=int, default=2, help="gunicorn workers.")
        parser.add_argument("--port", type=int, default=8765, help="Datasette gets the next.")
        parser.add_argument("--out", type=Path, default=Path("var/bench/results.md"))
        parser.add_argument("--skip-datasette", action="store_true")
        parser.add_argument(
            "--regenerate",
            action="store_true",
            help="Drop the bench's database and generate the corpus anew, even if it is there.",
        )

    def handle(self, *args, **options):
        require_tools(datasette=not options["skip_datasette"])
        self.options = options
        self.work = Path(settings.BASE_DIR) / "var" / "bench"
        self.work.mkdir(parents=True, exist_ok=True)
        self.processes = []
        # A stopped run still stops its servers: SIGTERM unwinds through `finally`.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        results = {"settings": {key: str(value) for key, value in options.items()}}
        results["corpus"] = self.prepare_database()
        pages = self.pages()
        results["pages"] = pages
        self.count_queries(pages)
        results["front_end"] = self.front_end(pages)
        wrk = self.find_wrk()
        try:
            results["cold"] = self.measure_site(wrk, pages, warm=False)
            results["warm"] = self.measure_site(wrk, pages, warm=True)
            if not options["skip_datasette"]:
                results["datasette"] = self.measure_datasette(wrk, pages)
        finally:
            for process in self.processes:
                stop_server(process)
        results["targets"] = self.targets(results)
        write_results(self.stdout, options["out"], self.report(results), results)

    # Data ---------------------------------------------------------------------

    def prepare_database(self):
        """The bench's own database, with the knowledge base and the corpus asked for: a
        corpus of another size, or --regenerate, means a new database."""
        if "bench" not in database_name():
            raise CommandError(
                "The bench drops and recreates its database: DATABASE_URL must name a "
                f"PostgreSQL database of its own, with bench in its name, not {database_name()}."
            )
        wanted = self.options["instruments"]
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

    def pages(self):
        published = Instrument.objects.published()
        count = published.count()
        deep = max(1, math.ceil(count / PAGE_SIZE) * 2 // 3)
        synthetic = published.filter(slug__startswith=SYNTHETIC_SLUG).order_by("pk")
        instrument = synthetic[min(499, synthetic.count() - 1)]
        # Datasette pages by key: the page starts after the last id of the previous one.
        offset = (deep - 1) * PAGE_SIZE - 1
        after = published.order_by("pk").values_list("pk", flat=True)[offset] if offset >= 0 else 0
        table = "/catalogue/instruments?"
        search = [("_search", "ninos migrantes"), ("areas__arraycontains", "2")]
        ours_and_peer = {
            "home": ("/", "/catalogue"),
            "area": (
                ThematicArea.objects.get(number=2).get_absolute_url(),
                table + urlencode([("areas__arraycontains", "2"), *AREA_FACETS]),
            ),
            "catalogue": (
                "/instrumentos/?grupo=mujeres&tipo=programa",
                table
                + urlencode(
                    [("groups__arraycontains", "mujeres"), ("kind", "programa"), *DATASETTE_FACETS]
                ),
            ),
            "search": (
                "/instrumentos/?q=trabajadores+agricolas",
                table + urlencode([("_search", "trabajadores agricolas"), *DATASETTE_FACETS]),
            ),
            "search_filtered": (
                "/instrumentos/?q=ninos+migrantes&area=2&tipo=programa",
                table + urlencode([*search, ("kind", "programa"), *DATASETTE_FACETS]),
            ),
            "deep": (
                f"/instrumentos/?pagina={deep}",
                table + urlencode([("_next", after), *DATASETTE_FACETS]),
            ),
            "instrument": (
                instrument.get_absolute_url(),
                f"/catalogue/instruments/{instrument.pk}",
            ),
        }
        return {
            key: {"label": PAGES[key], "url": ours, "datasette_url": peer}
            for key, (ours, peer) in ours_and_peer.items()
        }

    def count_queries(self, pages):
        """Queries per page, the rows found, and the HTML the front-end checks read."""
        setup_test_environment()  # lets the client see each response's context
        try:
            client = Client()
            with override_settings(PAGE_CACHE_SECONDS=0):
                for key, page in pages.items():
                    # As https, like the TLS proxy: with DEBUG off, plain http is redirected.
                    client.get(page["url"], secure=True)  # warms per-process caches
                    with CaptureQueriesContext(connection) as queries:
                        response = client.get(page["url"], secure=True)
                    if response.status_code != 200:
                        raise CommandError(f"{page['url']} answered {response.status_code}.")
                    page["queries"] = len(queries)
                    if key in CATALOGUE_PAGES:
                        page["rows"] = response.context["page"].paginator.count
                    page["html"] = response.content.decode()
        finally:
            teardown_test_environment()

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

    # Servers ------------------------------------------------------------------

    def find_wrk(self):
        lua = self.work / "report.lua"
        lua.write_text(WRK_REPORT)
        return ["wrk", "-t1", f"-c{self.options['connections']}", "--latency", "-s", str(lua)]

    def start(self, command, ready_url, log, env=None):
        process = start_server(command, ready_url, self.work / log, env=env)
        self.processes.append(process)
        return process

    def run_wrk(self, wrk, url):
        """Warm up (and check the answer), then measure one URL. A page that fails is
        reported as such, and the run goes on to the next."""
        unmeasured = {"p50_ms": None, "p95_ms": None, "p99_ms": None, "rps": None, "non_2xx": 0}
        try:
            for _ in range(3):
                get(url)  # raises unless 2xx
        except (OSError, urllib.error.URLError) as error:
            self.stderr.write(f"  {url}: {error}")
            return {**unmeasured, "error": str(error), "socket_errors": 0}
        # wrk gives up on a request after 2 s by default; a slow page must count, not vanish.
        command = [*wrk, f"-d{self.options['duration']}s", "--timeout", "60s", url]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        result = wrk_result(output)
        if not result["requests"]:
            result.update(unmeasured, error="no request completed within the duration")
        self.stdout.write(f"  {url}: p95 {cell(result['p95_ms'])} ms, {cell(result['rps'])} req/s")
        return result

    def measure_site(self, wrk, pages, warm):
        port = self.options["port"]
        env = {
            **os.environ,
            # The product's settings, plus the floor view (ops/urls.py).
            "DJANGO_SETTINGS_MODULE": "ops.settings",
            "DJANGO_DEBUG": "false",
            # wrk speaks plain http on loopback, where no TLS proxy stands in front.
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SECRET_KEY": settings.SECRET_KEY,
            "DJANGO_PAGE_CACHE_SECONDS": "600" if warm else "0",
        }
        env.pop("REDIS_URL", None)
        cache = "none"
        if warm:
            problem = flush_redis(REDIS_URL)
            if problem:
                self.stdout.write(f"{problem}: warm pages use local memory.")
            cache = "local memory, one per worker" if problem else "redis"
            if cache == "redis":
                env["REDIS_URL"] = REDIS_URL
        self.stdout.write(f"Our site, {'warm' if warm else 'cold'} (page cache: {cache}):")
        command = gunicorn("--workers", str(self.options["workers"]))
        command += ["--bind", f"127.0.0.1:{port}"]
        base = f"http://127.0.0.1:{port}"
        log = f"gunicorn-{'warm' if warm else 'cold'}.log"
        server = self.start(command, base + FLOOR, log, env=env)
        results = {"cache": cache, "floor": self.run_wrk(wrk, base + FLOOR)}
        for key, page in pages.items():
            results[key] = self.run_wrk(wrk, base + page["url"])
        # Read before stopping: what a worker holds after serving every page.
        results["worker_rss_mb"] = max(resident_mb(pid) for pid in children(server.pid))
        stop_server(server)
        return results

    def measure_datasette(self, wrk, pages):
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
        server = self.start(command, base + "/-/versions.json", "datasette.log")
        self.stdout.write("Datasette:")
        results = {}
        for key, page in pages.items():
            path, _, query = page["datasette_url"].partition("?")
            if query:
                with contextlib.suppress(OSError, urllib.error.URLError):  # run_wrk says why
                    found = json.loads(get(f"{base}{path}.json?{query}")[1])
                    page["datasette_rows"] = found.get("filtered_table_rows_count")
            results[key] = self.run_wrk(wrk, base + page["datasette_url"])
        stop_server(server)
        return results

    # Report -------------------------------------------------------------------

    def targets(self, results):
        pages, cold, warm = results["pages"], results["cold"], results["warm"]
        peer = results.get("datasette")

        def p95_ratio(run, key):
            return ratio(run[key]["p95_ms"], run["floor"]["p95_ms"])

        def within(run, keys, limit):
            ratios = [p95_ratio(run, key) for key in keys]
            return all(r is not None and r <= limit for r in ratios)

        def rps(result):
            # A server that finished no request in the whole run served 0 per second.
            return 0.0 if result.get("requests") == 0 else result["rps"]

        def faster(run):
            if peer is None:
                return None
            return all(
                rps(run[key]) is not None
                and rps(peer[key]) is not None
                and rps(run[key]) >= rps(peer[key])
                for key in pages
            )

        generation = results["corpus"]["generation_seconds"]
        weight = results["front_end"]["css_js_gzip_kb"]
        rss = max(cold["worker_rss_mb"], warm["worker_rss_mb"])
        return [
            (
                f"≤ {MAX_QUERIES} SQL queries on every page",
                all(page["queries"] <= MAX_QUERIES for page in pages.values()),
            ),
            (
                "cold: catalogue, search and deep pages ≤ 20× floor p95",
                within(cold, CATALOGUE_PAGES, 20),
            ),
            ("cold: instrument page ≤ 4× floor p95", within(cold, ["instrument"], 4)),
            ("warm: every page ≤ 2× floor p95", within(warm, pages, 2)),
            ("cold: throughput ≥ Datasette on every page", faster(cold)),
            ("warm: throughput ≥ Datasette on every page", faster(warm)),
            (f"worker RSS < {MAX_RSS_MB} MB ({rss:.0f} MB)", rss < MAX_RSS_MB),
            (
                f"corpus generated in < {MAX_GENERATION_SECONDS} s ({cell(generation)} s)",
                None if generation is None else generation < MAX_GENERATION_SECONDS,
            ),
            (
                f"CSS + JS < {MAX_FRONT_END_KB} KB gzipped ({weight:.1f} KB)",
                weight < MAX_FRONT_END_KB,
            ),
        ]

    def report(self, results):
        pages, cold, warm = results["pages"], results["cold"], results["warm"]
        peer = results.get("datasette") or {}
        s = results["settings"]
        lines = [
            f"# Benchmark ({s['instruments']} synthetic instruments, {s['duration']} s per page, "
            f"{s['connections']} connections, {s['workers']} gunicorn workers)",
            "",
            "Latency p50/p95 in ms; rps = requests per second; ×floor = p95 / floor p95; "
            "vs DS = our rps / Datasette's.",
            "",
            "| page | SQL | cold p50/p95 | cold rps | cold ×floor | warm p50/p95 | warm rps "
            "| warm ×floor | Datasette p50/p95 | DS rps | vs DS cold | vs DS warm |",
            "|---" * 12 + "|",
        ]
        for key, page in pages.items():
            theirs = peer.get(key, {})
            row = [
                page["label"],
                str(page["queries"]),
                f"{cell(cold[key]['p50_ms'])} / {cell(cold[key]['p95_ms'])}",
                cell(cold[key]["rps"]),
                cell(ratio(cold[key]["p95_ms"], cold["floor"]["p95_ms"]), suffix="×"),
                f"{cell(warm[key]['p50_ms'])} / {cell(warm[key]['p95_ms'])}",
                cell(warm[key]["rps"]),
                cell(ratio(warm[key]["p95_ms"], warm["floor"]["p95_ms"]), suffix="×"),
                f"{cell(theirs.get('p50_ms'))} / {cell(theirs.get('p95_ms'))}",
                cell(theirs.get("rps")),
                cell(ratio(cold[key]["rps"], theirs.get("rps")), 2, "×"),
                cell(ratio(warm[key]["rps"], theirs.get("rps")), 2, "×"),
            ]
            lines.append("| " + " | ".join(row) + " |")
        lines.append("")
        for name, run in (("cold", cold), ("warm", warm)):
            floor = run["floor"]
            lines.append(
                f"- Floor, {name}: p50 {cell(floor['p50_ms'], 2)} ms, p95 "
                f"{cell(floor['p95_ms'], 2)} ms, {cell(floor['rps'], 0)} rps "
                f"(page cache: {run['cache']})."
            )
        errors = [
            f"{run_name} {key}: "
            + (r.get("error") or f"{r['non_2xx']} non-2xx, {r['socket_errors']} socket errors")
            for run_name, run in (("cold", cold), ("warm", warm), ("datasette", peer))
            for key, r in run.items()
            if isinstance(r, dict) and (r.get("error") or r["non_2xx"] or r["socket_errors"])
        ]
        lines.append(f"- Errors during measurement: {'; '.join(errors) or 'none'}.")
        rows = [
            f"{page['label']} {page['rows']} vs {page.get('datasette_rows', '–')}"
            for key, page in pages.items()
            if key in CATALOGUE_PAGES
        ]
        lines.append(f"- Results found, ours vs Datasette: {'; '.join(rows)}.")
        corpus = results["corpus"]
        lines.append(
            f"- Max gunicorn worker RSS: cold {cold['worker_rss_mb']:.0f} MB, "
            f"warm {warm['worker_rss_mb']:.0f} MB."
        )
        lines.append(
            "- Corpus: reused, generation not timed in this run (`--regenerate` times it)."
            if corpus["reused"]
            else f"- Corpus generation: {corpus['generation_seconds']:.1f} s."
        )
        front = results["front_end"]
        checks = ", ".join(
            f"{name.replace('_', ' ')}: {'none' if ok else 'FOUND'}"
            for name, ok in front["checks"].items()
        )
        lines.append(f"- Front end: CSS + JS {front['css_js_gzip_kb']:.1f} KB gzipped; {checks}.")
        if peer:
            lines.append(
                f"- Datasette {DATASETTE_VERSION} on the same catalogue exported to SQLite "
                "(immutable, FTS5, array facets), in one process with 3 SQL threads; its SQL "
                "and facet time limits raised to 20 s so that it does the same work. Its "
                "search matches each word as written (accents folded); ours also stems, "
                "completes prefixes and adds synonyms, so it finds more."
            )
        lines += ["", "## Targets", ""]
        for name, met in results["targets"]:
            verdict = {True: "MET", False: "NOT MET", None: "NOT MEASURED"}[met]
            lines.append(f"- {verdict}: {name}")
        return "\n".join(lines) + "\n"
