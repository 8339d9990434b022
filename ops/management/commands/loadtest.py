"""`make loadtest`: a bounded load test of the site as `make serve` serves it.

The flow, in `Command.handle`:

1. Prepare the database exactly as `make serve` does (created first if missing), and, from
   its records, the plan of the load: the pages readers ask for, the instrument the
   editor saves (var/loadtest/plan.json).
2. Start gunicorn as `make serve` does: config/gunicorn.py, production settings, the page
   cache in Redis when Redis answers. Ask for every page once: each must answer as the
   plan says.
3. Run 1: Locust's readers (ops/locustfile.py) on loopback. Run 2: the same, while Locust's
   editor saves an instrument through the admin in a loop; each save changes the
   knowledge base's revision, so it also stresses cache invalidation.
4. Read Locust's statistics and the server's log (5xx answers, errors, tracebacks, worker
   timeouts).
5. Write var/loadtest/results.md and .json; exit non-zero on any Locust failure (a socket
   error, a 5xx, a page answering another status, a failed save or a save readers do not
   see) or any 5xx or error in the server's log, so that the command can serve as a gate.
"""

import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tomllib
from importlib.util import find_spec
from pathlib import Path
from urllib.parse import urlencode

from axes.utils import reset as reset_login_failures
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management import BaseCommand, CommandError, call_command
from django.db.models import Count, Q
from django.urls import reverse

from core.management.commands.setup_roles import EDITORS
from core.records import PublicationStatus
from ops.loadtest_report import (
    cpu_seconds,
    cpu_use,
    failures,
    locust_results,
    markdown,
    scan_log,
)
from ops.management.commands.generate_corpus import SYNTHETIC_SLUG
from ops.servers import (
    children,
    create_database,
    database_name,
    flush_redis,
    gunicorn,
    resident_mb,
    start_server,
    stop_server,
    write_results,
)
from practices.models import Practice, ThematicArea
from programs.models import Institution, Instrument, Place, TargetGroup

# Database 15 is `make bench`'s; this one is flushed at every start.
REDIS_URL = "redis://127.0.0.1:6379/14"
EDITOR = "loadtest-editor"
# What the editor appends to the instrument's summary (ops/locustfile.py).
MARK_PATTERN = re.compile(r"\s*\[prueba de carga \d+\]$")
LOCUSTFILE = Path(__file__).resolve().parents[2] / "locustfile.py"


class Command(BaseCommand):
    help = (
        "Load-test the site as `make serve` serves it, on PostgreSQL, with Locust: readers "
        "on mixed pages, then again while an editor saves in the admin. Fails on any 5xx, "
        "socket error or failed save."
    )

    def add_arguments(self, parser):
        parser.add_argument("--duration", type=int, default=60, help="Seconds per run.")
        parser.add_argument("--users", type=int, default=32, help="Concurrent readers.")
        parser.add_argument("--port", type=int, default=0, help="Default: a free port.")
        parser.add_argument("--skip-editor", action="store_true", help="Run 1 only.")
        parser.add_argument("--out", type=Path, default=Path("var/loadtest/results.md"))

    def handle(self, *args, **options):
        require_locust()
        self.options = options
        self.work = Path(settings.BASE_DIR) / "var" / "loadtest"
        self.work.mkdir(parents=True, exist_ok=True)
        # A stopped run still stops its server: SIGTERM unwinds through `finally`.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

        self.prepare_database()
        instrument = editable_instrument()
        strip_mark(instrument.pk)  # the mark an interrupted run may have left
        self.password = create_editor()
        pages = mixed_pages(instrument)
        self.plan = self.write_plan(pages, instrument)
        port = options["port"] or free_port()
        results = {"settings": {key: str(value) for key, value in options.items()}}

        self.log = self.work / "gunicorn.log"
        server, results["server"] = self.start_site(port)
        try:
            results["pages"] = check_pages(port, pages)
            results["runs"] = [self.measure("1. readers", port, ["Reader"])]
            if not options["skip_editor"]:
                run = self.measure("2. readers + editor saving", port, ["Reader", "Editor"])
                results["runs"].append(run)
            workers = children(server.pid)
            results["server"]["workers"] = len(workers)
            results["server"]["max_worker_rss_mb"] = round(max(map(resident_mb, workers)), 1)
        finally:
            stop_server(server)
            strip_mark(instrument.pk)
        results["server_log"] = scan_log(self.log.read_text(errors="replace"))

        results["failures"] = failures(results)
        write_results(self.stdout, options["out"], markdown(results), results)
        if results["failures"]:
            raise CommandError("Load test failed: " + "; ".join(results["failures"]) + ".")

    # 1. The database, as `make serve` prepares it, and the plan ---------------------

    def prepare_database(self):
        create_database(self.stdout)
        call_command("check", deploy=True)
        call_command("migrate", interactive=False, verbosity=0)
        call_command("setup_roles")
        call_command("load_knowledge_base", if_empty=True)
        call_command("collectstatic", interactive=False, verbosity=0)

    def write_plan(self, pages, instrument):
        """What ops/locustfile.py reads: the pages, and the editor's URLs."""
        editor = {
            "username": EDITOR,
            "login": reverse("admin:login"),
            "index": reverse("admin:index"),
            "change": reverse("admin:programs_instrument_change", args=[instrument.pk]),
            "changelist": reverse("admin:programs_instrument_changelist"),
            "public": instrument.get_absolute_url(),
        }
        plan = self.work / "plan.json"
        plan.write_text(json.dumps({"pages": pages, "editor": editor}, indent=2))
        return plan

    # 2. The server, as `make serve` starts it ----------------------------------------

    def start_site(self, port):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_DEBUG": "false",
            "PORT": str(port),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        }
        # Production defaults, whatever the caller's environment says: https redirect and
        # Secure cookies on, the page cache for 600 s, request logs at INFO (scanned
        # below), listening on loopback only.
        for name in (
            "DJANGO_SECURE_SSL_REDIRECT",
            "DJANGO_SECURE_COOKIES",
            "DJANGO_PAGE_CACHE_SECONDS",
            "DJANGO_LOG_LEVEL",
            "HOST",
            "REDIS_URL",
        ):
            env.pop(name, None)
        problem = flush_redis(REDIS_URL)
        if problem:
            cache = f"local memory, one per worker ({problem})"
        else:
            cache = f"Redis ({REDIS_URL}, flushed at start)"
            env["REDIS_URL"] = REDIS_URL
        self.stdout.write(f"Starting gunicorn on 127.0.0.1:{port}; page cache: {cache}.")
        # `gunicorn config.wsgi -c config/gunicorn.py`. /healthz is exempt from the https
        # redirect: load balancers probe it over http.
        command = gunicorn("-c", str(Path(settings.BASE_DIR) / "config" / "gunicorn.py"))
        server = start_server(command, f"http://127.0.0.1:{port}/healthz", self.log, env=env)
        return server, {"port": port, "page_cache": cache}

    # 3 and 4. The runs --------------------------------------------------------------

    def measure(self, name, port, user_classes):
        """One Locust run of `user_classes`: the readers, and the editor if named."""
        o = self.options
        users = o["users"] + ("Editor" in user_classes)  # the editor is one more user
        self.stdout.write(f"Run {name}: {o['duration']} s, {users} Locust users.")
        prefix = self.work / f"locust-run{name.split('.')[0]}"
        command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless"]
        command += ["--host", f"http://127.0.0.1:{port}", "--users", str(users)]
        command += ["--spawn-rate", str(users), "--run-time", f"{o['duration']}s"]
        command += ["--csv", str(prefix), "--json-file", str(prefix), "--html", f"{prefix}.html"]
        command += ["--only-summary", "--exit-code-on-error", "0", *user_classes]
        env = {**os.environ, "LOADTEST_PLAN": str(self.plan)}
        env["LOADTEST_EDITOR_PASSWORD"] = self.password
        log_start = self.log.stat().st_size
        cpu_before = cpu_seconds(database_name())
        with open(f"{prefix}.log", "wb") as output:
            locust = subprocess.run(
                command, env=env, stdout=output, stderr=output, timeout=o["duration"] + 120
            )
        cpu_after = cpu_seconds(database_name())
        if locust.returncode:
            raise CommandError(f"Locust failed ({locust.returncode}): see {prefix}.log.")
        result = {"name": name, **locust_results(prefix)}
        result.update(cpu_use(cpu_before, cpu_after, result["seconds"]))
        with open(self.log, "rb") as lines:
            lines.seek(log_start)
            result["server_log"] = scan_log(lines.read().decode(errors="replace"))
        return result


def require_locust():
    """Locust, lxml and psutil: the `ops` extra of pyproject.toml, which the site does not
    need."""
    missing = [name for name in ("locust", "lxml", "psutil") if find_spec(name) is None]
    if missing:
        pyproject = tomllib.loads((Path(settings.BASE_DIR) / "pyproject.toml").read_text())
        extra = pyproject["project"]["optional-dependencies"]["ops"]
        raise CommandError(
            f"{', '.join(missing)} missing: the load test needs the `ops` extra of "
            f"pyproject.toml. Install it with: {Path(sys.executable).parent}/pip install "
            + " ".join(f"'{requirement}'" for requirement in extra)
        )


# The plan -----------------------------------------------------------------------------


def editable_instrument():
    """The instrument the editor saves: a published one with inline rows (participations,
    key figures) and several linked records, so that every kind of field goes back."""
    return (
        Instrument.objects.published()
        .exclude(slug__startswith=SYNTHETIC_SLUG)
        .annotate(
            inline_rows=Count("participations", distinct=True)
            + Count("key_figures", distinct=True),
            links=Count("target_groups", distinct=True) + Count("places", distinct=True),
        )
        .order_by("-inline_rows", "-links", "pk")
        .first()
    )


def strip_mark(pk):
    """Put the instrument's summary back as it was before the editor marked it."""
    instrument = Instrument.objects.get(pk=pk)
    summary = MARK_PATTERN.sub("", instrument.summary)
    if summary != instrument.summary:
        instrument.summary = summary
        instrument.save()


def create_editor():
    """A user in the editors' group, with a new password each run (it is never shown)."""
    user, _ = User.objects.get_or_create(username=EDITOR)
    password = secrets.token_urlsafe(24)
    user.set_password(password)
    user.is_staff = True
    user.is_active = True
    user.save()
    user.groups.set([Group.objects.get(name=EDITORS)])
    # An earlier, interrupted run must not leave the editor locked out by django-axes.
    reset_login_failures(username=EDITOR)
    return password


def most_used(model, field):
    """The key (`field`) of the `model` record with the most published instruments."""
    published = Q(instruments__publication_status=PublicationStatus.PUBLISHED)
    ranked = model.objects.annotate(n=Count("instruments", filter=published)).order_by("-n", "pk")
    return getattr(ranked.first(), field)


def catalogue(**query):
    url = reverse("catalogue:catalogue")
    return f"{url}?{urlencode(query)}" if query else url


def mixed_pages(instrument):
    """Every kind of public page, from real records (what readers and crawlers ask for,
    searches as people type them), then bad input."""
    published = Instrument.objects.published().exclude(slug__startswith=SYNTHETIC_SLUG)
    others = list(published.exclude(pk=instrument.pk).order_by("pk"))
    kind = published.values_list("kind").annotate(n=Count("pk")).order_by("-n", "kind").first()[0]
    timeline = reverse("catalogue:timeline")
    pages = [("home", "/")]
    pages += [(f"area {a.number}", a.get_absolute_url()) for a in ThematicArea.objects.all()]
    pages += [
        ("catalogue", catalogue()),
        ("catalogue page 2", catalogue(pagina=2)),
        ("catalogue: group + kind", catalogue(grupo=most_used(TargetGroup, "slug"), tipo=kind)),
        ("catalogue: place", catalogue(lugar=most_used(Place, "code"))),
        (
            "catalogue: institution, in force, newest first",
            catalogue(institucion=most_used(Institution, "slug"), estado="vigente", orden="-fecha"),
        ),
        # The edited instrument's page is the one run 2 changes under the readers' feet.
        ("instrument (edited in run 2)", instrument.get_absolute_url()),
    ]
    pages += [("instrument", i.get_absolute_url()) for i in others[:: max(1, len(others) // 7)][:7]]
    practices = Practice.objects.published().order_by("area__number", "position")
    pages += [("practice", p.get_absolute_url()) for p in practices[::4][:5]]
    pages += [("target groups", reverse("catalogue:target_group_list"))]
    groups = TargetGroup.objects.order_by("pk")[:3]
    pages += [("target group", reverse("catalogue:target_group", args=[g.slug])) for g in groups]
    pages += [("institutions", reverse("catalogue:institution_list"))]
    pages += [("institution", i.get_absolute_url()) for i in Institution.objects.order_by("pk")[:3]]
    pages += [
        ("glossary", reverse("programs:glossary")),
        ("timeline", timeline),
        ("timeline: area 2", f"{timeline}?area=2"),
        ("search", catalogue(q="trabajadores agricolas")),
        ("search, no accents", catalogue(q="ninos migrantes")),
        ("search, accents", catalogue(q="niños migrantes")),
        ("search, typo", catalogue(q="migrnates")),
        ("search, acronym", catalogue(q="PTAT")),
        ("search + filters", catalogue(q="ninos migrantes", area=2, tipo="programa")),
        ("search, nothing found", catalogue(q="xyzzy plugh")),
    ]
    return [{"label": label, "path": path, "bad_input": False} for label, path in pages] + [
        {"label": label, "path": path, "bad_input": True} for label, path in bad_pages()
    ]


def bad_pages():
    """Unknown filter values, pages out of range, unknown records: 200 or 4xx, never 5xx."""
    timeline = reverse("catalogue:timeline")
    return [
        ("bad: unknown kind", catalogue(tipo="no-existe")),
        ("bad: unknown group and place", catalogue(grupo="no-existe", lugar="ZZ")),
        ("bad: page out of range", catalogue(pagina=99999)),
        ("bad: years not numbers", catalogue(desde="abc", hasta="1800")),
        ("bad: query too long", catalogue(q="migrantes " * 40)),
        ("bad: unknown instrument", reverse("programs:instrument", args=["no-existe"])),
        ("bad: unknown area", reverse("catalogue:area", args=["no-existe"])),
        ("bad: timeline page 0", f"{timeline}?pagina=0"),
    ]


def check_pages(port, pages):
    """Ask for each page once (which also fills the cache): a page must answer 200, and
    bad input 200 or 4xx, or the runs would measure something else than they say."""
    problems = []
    for page in pages:
        status = request_status(port, page["path"], {"X-Forwarded-Proto": "https"})
        page["status"] = status
        if not (status == 200 or (page["bad_input"] and 400 <= status < 500)):
            problems.append(f"{page['path']} answered {status}")
    # And plain http, with no proxy saying https, is redirected: production settings.
    status = request_status(port, "/", {})
    if status != 301:
        problems.append(f"plain http to / answered {status}, not a redirect to https")
    if problems:
        raise CommandError("Before the runs: " + "; ".join(problems) + ".")
    return pages


def request_status(port, path, headers):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path, headers=headers)
        return connection.getresponse().status
    finally:
        connection.close()


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
