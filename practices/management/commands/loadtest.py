"""`make loadtest`: a bounded load test of the site as `make serve` serves it.

The flow, in `Command.handle`:

1. Prepare the database exactly as `make serve` does (created first if missing).
2. Start gunicorn as `make serve` does: config/gunicorn.py, production settings, the page
   cache in Redis when Redis answers.
3. Run 1: `wrk` on loopback, a mixed list of real pages (searches and bad input included),
   counting answers by status class.
4. Run 2: the same, while an editor saves an instrument through the admin in a loop; each
   save changes the knowledge base's revision, so it also stresses cache invalidation.
5. Read the server's log for 5xx answers, errors, tracebacks and worker timeouts.
6. Write var/loadtest/results.md and .json; exit non-zero on any 5xx, socket error or
   failed save, so that the command can serve as a gate.
"""

import http.client
import json
import math
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from html import unescape
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from axes.utils import reset as reset_login_failures
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management import BaseCommand, CommandError, call_command
from django.db.models import Count, Q
from django.urls import reverse

from config import gunicorn as gunicorn_config
from practices.management.commands.bench import (
    children,
    create_database,
    flush_redis,
    install_wrk,
    resident_mb,
    start_server,
    stop_server,
    write_results,
    wrk_result,
)
from practices.management.commands.setup_roles import EDITORS
from practices.models import Practice, ThematicArea
from programs.models import Institution, Instrument, Place, PublicationStatus, TargetGroup

# Database 15 is `make bench`'s; this one is flushed at every start.
REDIS_URL = "redis://127.0.0.1:6379/14"
EDITOR = "loadtest-editor"
# What the editor appends to the instrument's summary; stripped again at the end.
MARK_START = "[prueba de carga "
MARK = MARK_START + "{n}]"
MARK_PATTERN = re.compile(r"\s*\[prueba de carga \d+\]$")
# gunicorn replaces a worker stuck for 30 s (config/gunicorn.py): wrk waits a little longer,
# so that a slow answer is measured rather than counted as a timeout.
WRK_TIMEOUT = "35s"

# The wrk script. wrk gives each thread its own Lua state: each counts its answers by
# status class (wrk's own "Non-2xx or 3xx responses" lumps 4xx with 5xx) and `done()`
# collects them through the threads `setup()` kept, as wrk's documentation shows.
WRK_SCRIPT = """
local paths = {PATHS}
local threads = {}
wrk.headers["X-Forwarded-Proto"] = "https"  -- as the TLS proxy in front would send

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  -- Threads start at different places in the list, so that they do not ask in step.
  index = ((id - 1) * 13) % #paths
  s1xx, s2xx, s3xx, s4xx, s5xx = 0, 0, 0, 0, 0
end

function request()
  index = index % #paths + 1
  return wrk.format("GET", paths[index])
end

function response(status, headers, body)
  local class = "s" .. math.floor(status / 100) .. "xx"
  if _G[class] then _G[class] = _G[class] + 1 end
end

function done(summary, latency, requests)
  local counts = {0, 0, 0, 0, 0}
  for _, thread in ipairs(threads) do
    for class = 1, 5 do
      counts[class] = counts[class] + thread:get("s" .. class .. "xx")
    end
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "rps": %.1f, '
    .. '"p50_ms": %.1f, "p90_ms": %.1f, "p99_ms": %.1f, "max_ms": %.1f, '
    .. '"1xx": %d, "2xx": %d, "3xx": %d, "4xx": %d, "5xx": %d, "wrk_non_2xx_3xx": %d, '
    .. '"connect_errors": %d, "read_errors": %d, "write_errors": %d, "timeouts": %d}\\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    counts[1], counts[2], counts[3], counts[4], counts[5], e.status,
    e.connect, e.read, e.write, e.timeout))
end
"""


class Command(BaseCommand):
    help = (
        "Load-test the site as `make serve` serves it, on PostgreSQL: wrk on mixed pages, "
        "then again while an editor saves in the admin. Fails on any 5xx, socket error or "
        "failed save."
    )

    def add_arguments(self, parser):
        parser.add_argument("--duration", type=int, default=60, help="Seconds per run.")
        parser.add_argument("--connections", type=int, default=32)
        parser.add_argument("--threads", type=int, default=2, help="wrk threads.")
        parser.add_argument("--port", type=int, default=0, help="Default: a free port.")
        parser.add_argument("--skip-editor", action="store_true", help="Run 1 only.")
        parser.add_argument("--out", type=Path, default=Path("var/loadtest/results.md"))

    def handle(self, *args, **options):
        self.options = options
        self.work = Path(settings.BASE_DIR) / "var" / "loadtest"
        self.work.mkdir(parents=True, exist_ok=True)
        # A stopped run still stops its server: SIGTERM unwinds through `finally`.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        install_wrk(self.stdout)

        self.prepare_database()
        instrument = editable_instrument()
        password = create_editor()
        pages = mixed_pages(instrument)
        port = options["port"] or free_port()
        results = {"settings": {key: str(value) for key, value in options.items()}}

        log = self.work / "gunicorn.log"
        server, results["server"] = self.start_site(port, log)
        try:
            results["pages"] = check_pages(port, pages)
            script = self.write_wrk_script(pages)
            results["runs"] = [self.measure("1. readers", port, script, log)]
            if not options["skip_editor"]:
                editor = Editor(port, EDITOR, password, instrument)
                editor.log_in()
                results["runs"].append(
                    self.measure("2. readers + editor saving", port, script, log, editor)
                )
            workers = children(server.pid)
            results["server"]["workers"] = len(workers)
            results["server"]["max_worker_rss_mb"] = round(max(map(resident_mb, workers)), 1)
        finally:
            stop_server(server)
        results["server_log"] = scan_log(log.read_text(errors="replace"))

        results["failures"] = failures(results)
        write_results(self.stdout, options["out"], markdown(results), results)
        if results["failures"]:
            raise CommandError("Load test failed: " + "; ".join(results["failures"]) + ".")

    # 1. The database, as `make serve` prepares it ------------------------------------

    def prepare_database(self):
        create_database(self.stdout)
        call_command("check", deploy=True)
        call_command("migrate", interactive=False, verbosity=0)
        call_command("setup_roles")
        call_command("load_knowledge_base", if_empty=True)
        call_command("collectstatic", interactive=False, verbosity=0)

    # 2. The server, as `make serve` starts it ----------------------------------------

    def start_site(self, port, log):
        env = {
            **os.environ,
            "DJANGO_DEBUG": "false",
            "PORT": str(port),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        }
        # Production defaults, whatever the caller's environment says: https redirect and
        # Secure cookies on, the page cache for 600 s, request logs at INFO (scanned
        # below), no benchmark page, listening on loopback only.
        for name in (
            "DJANGO_SECURE_SSL_REDIRECT",
            "DJANGO_SECURE_COOKIES",
            "DJANGO_PAGE_CACHE_SECONDS",
            "DJANGO_LOG_LEVEL",
            "DJANGO_BENCHMARK",
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
        gunicorn = Path(sys.executable).with_name("gunicorn")
        # `gunicorn config.wsgi -c config/gunicorn.py`, from the project's directory.
        config = Path(settings.BASE_DIR) / "config" / "gunicorn.py"
        command = [
            str(gunicorn),
            "config.wsgi",
            "-c",
            str(config),
            "--chdir",
            str(settings.BASE_DIR),
        ]
        # /healthz is exempt from the https redirect: load balancers probe it over http.
        server = start_server(command, f"http://127.0.0.1:{port}/healthz", log, env=env)
        return server, {"port": port, "page_cache": cache}

    # 3 and 4. The runs --------------------------------------------------------------

    def write_wrk_script(self, pages):
        paths = [page["path"] for page in pages]
        # Paths are percent-encoded ASCII, so a JSON string is also a valid Lua string.
        assert all(path.isascii() for path in paths)
        script = self.work / "mixed_pages.lua"
        script.write_text(
            WRK_SCRIPT.replace("{PATHS}", "{" + ", ".join(map(json.dumps, paths)) + "}")
        )
        return script

    def measure(self, name, port, script, log, editor=None):
        """One wrk run; with `editor`, the editor saves in a loop for as long as it lasts."""
        o = self.options
        self.stdout.write(f"Run {name}: {o['duration']} s, {o['connections']} connections.")
        command = ["wrk", f"-t{o['threads']}", f"-c{o['connections']}", f"-d{o['duration']}s"]
        command += ["--latency", "--timeout", WRK_TIMEOUT, "-s", str(script)]
        command.append(f"http://127.0.0.1:{port}")
        log_start = log.stat().st_size
        cpu_before = cpu_seconds()
        stop = threading.Event()
        if editor:
            saving = threading.Thread(target=editor.keep_saving, args=(stop,), daemon=True)
            saving.start()
        try:
            wrk = subprocess.run(command, capture_output=True, text=True)
        finally:
            stop.set()
            if editor:
                saving.join()
        (machine, ours), (machine_before, ours_before) = cpu_seconds(), cpu_before
        machine, ours = machine - machine_before, ours - ours_before
        slug = name.split(".")[0]
        (self.work / f"wrk-run{slug}.txt").write_text(wrk.stdout + wrk.stderr)
        if wrk.returncode:
            raise CommandError(f"wrk failed ({wrk.returncode}): {wrk.stderr.strip()}")
        result = {"name": name, **wrk_result(wrk.stdout)}
        # Other work on the machine competes with the server for the CPUs: say how much.
        result["cpu_seconds_available"] = round(result["seconds"] * os.cpu_count(), 1)
        result["cpu_seconds_other_work"] = round(max(0.0, machine - ours), 1)
        result["socket_errors"] = sum(
            result[kind] for kind in ("connect_errors", "read_errors", "write_errors", "timeouts")
        )
        with open(log, "rb") as lines:
            lines.seek(log_start)
            result["server_log"] = scan_log(lines.read().decode(errors="replace"))
        if editor:
            result["editor"] = editor.summary()
        return result


# The pages ----------------------------------------------------------------------------


def editable_instrument():
    """The instrument the editor saves: a published one with inline rows (participations,
    key figures) and several linked records, so that every kind of field goes back."""
    return (
        Instrument.objects.published()
        .filter(is_synthetic=False)
        .annotate(
            inline_rows=Count("participations", distinct=True)
            + Count("key_figures", distinct=True),
            links=Count("target_groups", distinct=True) + Count("places", distinct=True),
        )
        .order_by("-inline_rows", "-links", "pk")
        .first()
    )


def most_used(model, field):
    """The key (`field`) of the `model` record with the most published instruments."""
    published = Q(instruments__publication_status=PublicationStatus.PUBLISHED)
    ranked = model.objects.annotate(n=Count("instruments", filter=published)).order_by("-n", "pk")
    return getattr(ranked.first(), field)


def mixed_pages(instrument):
    """Every kind of public page, from real records: what readers and crawlers ask for,
    searches as people type them, and bad input."""
    published = Instrument.objects.published().filter(is_synthetic=False).order_by("pk")
    others = list(published.exclude(pk=instrument.pk))
    catalogue = reverse("practices:catalogue")
    kind = published.values_list("kind").annotate(n=Count("pk")).order_by("-n", "kind").first()[0]

    def search(**query):
        return f"{catalogue}?{urlencode(query)}"

    pages = [("home", "/")]
    pages += [
        (f"area {area.number}", area.get_absolute_url()) for area in ThematicArea.objects.all()
    ]
    pages += [
        ("catalogue", catalogue),
        ("catalogue page 2", search(pagina=2)),
        ("catalogue: group + kind", search(grupo=most_used(TargetGroup, "slug"), tipo=kind)),
        ("catalogue: place", search(lugar=most_used(Place, "code"))),
        (
            "catalogue: institution, in force, newest first",
            search(institucion=most_used(Institution, "slug"), estado="vigente", orden="-fecha"),
        ),
    ]
    # The edited instrument's page is the one run 2 changes under the readers' feet.
    pages += [("instrument (edited in run 2)", instrument.get_absolute_url())]
    pages += [("instrument", i.get_absolute_url()) for i in others[:: max(1, len(others) // 7)][:7]]
    practices = Practice.objects.published().order_by("area__number", "position")
    pages += [("practice", p.get_absolute_url()) for p in practices[::4][:5]]
    pages += [("target groups", reverse("programs:target_group_list"))]
    groups = TargetGroup.objects.order_by("pk")[:3]
    pages += [("target group", reverse("programs:target_group", args=[g.slug])) for g in groups]
    pages += [("institutions", reverse("programs:institution_list"))]
    pages += [("institution", i.get_absolute_url()) for i in Institution.objects.order_by("pk")[:3]]
    timeline = reverse("programs:timeline")
    pages += [
        ("glossary", reverse("programs:glossary")),
        ("timeline", timeline),
        ("timeline: area 2", f"{timeline}?area=2"),
    ]
    pages += [
        ("search", search(q="trabajadores agricolas")),
        ("search, no accents", search(q="ninos migrantes")),
        ("search, accents", search(q="niños migrantes")),
        ("search, typo", search(q="migrnates")),
        ("search, acronym", search(q="PTAT")),
        ("search + filters", search(q="ninos migrantes", area=2, tipo="programa")),
        ("search, nothing found", search(q="xyzzy plugh")),
    ]
    bad = [
        ("bad: unknown kind", search(tipo="no-existe")),
        ("bad: unknown group and place", search(grupo="no-existe", lugar="ZZ")),
        ("bad: page out of range", search(pagina=99999)),
        ("bad: years not numbers", search(desde="abc", hasta="1800")),
        ("bad: query too long", search(q="migrantes " * 40)),
        ("bad: unknown instrument", reverse("programs:instrument", args=["no-existe"])),
        ("bad: unknown area", reverse("practices:area", args=["no-existe"])),
        ("bad: timeline page 0", f"{timeline}?pagina=0"),
    ]
    return [{"label": label, "path": path, "bad_input": False} for label, path in pages] + [
        {"label": label, "path": path, "bad_input": True} for label, path in bad
    ]


def check_pages(port, pages):
    """Ask for each page once (which also fills the cache): a page must answer 200, and
    bad input 200 or 4xx, or the run would measure something else than it says."""
    reader = Browser(port)
    problems = []
    for page in pages:
        page["status"] = reader.request("GET", page["path"])[0]
        allowed = page["status"] == 200 or (page["bad_input"] and 400 <= page["status"] < 500)
        if not allowed:
            problems.append(f"{page['path']} answered {page['status']}")
    # And plain http, with no proxy saying https, is redirected: production settings.
    plain = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    plain.request("GET", "/")
    redirect = plain.getresponse()
    plain.close()
    if redirect.status != 301 or not redirect.headers["Location"].startswith("https://"):
        problems.append(f"plain http to / answered {redirect.status}, not a redirect to https")
    if problems:
        raise CommandError("Before the runs: " + "; ".join(problems) + ".")
    return pages


# The editor ---------------------------------------------------------------------------


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


class Browser:
    """What a browser does behind the TLS proxy: plain HTTP on loopback, with the
    proxy's X-Forwarded-Proto: https, and cookies kept by hand (they are Secure, which
    urllib's cookie jar would keep off plain http)."""

    def __init__(self, port):
        self.port = port
        self.origin = f"https://127.0.0.1:{port}"
        self.cookies = {}

    def request(self, method, path, form=None):
        headers = {"X-Forwarded-Proto": "https"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            # Django's CSRF check on https wants the request's origin to be the site's.
            headers["Origin"] = self.origin
            headers["Referer"] = self.origin + path
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, body, headers)
            response = connection.getresponse()
            page = response.read().decode("utf-8", "replace")
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0":  # how Django deletes a cookie
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.coded_value
        return response.status, response.headers, page


class FormReader(HTMLParser):
    """The name/value pairs a browser would submit from the form with id `form_id`,
    unchanged: checked boxes only, every selected option of a multiple select (the first
    option of a single one when none is), textareas without the newline after the tag.
    Inline formsets' management forms are hidden inputs, read like any other; the blank
    template of an inline row (`__prefix__`) is skipped, as the admin's JavaScript would."""

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.pairs = []
        self.textarea = None  # [name, text]
        self.select = None  # {"name", "multiple", "options": [[value, selected]]}

    def add(self, name, value):
        if "__prefix__" not in name:
            self.pairs.append((name, value))

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        name = attrs.get("name")
        if not self.inside or "disabled" in attrs or not (name or tag == "option"):
            return
        if tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.add(name, attrs.get("value") or "on")
            elif kind not in ("submit", "button", "image", "reset", "file"):
                self.add(name, attrs.get("value") or "")
        elif tag == "textarea":
            self.textarea = [name, ""]
        elif tag == "select":
            self.select = {"name": name, "multiple": "multiple" in attrs, "options": []}
        elif tag == "option" and self.select is not None:
            self.select["options"].append([attrs.get("value") or "", "selected" in attrs])

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self.textarea is not None:
            name, text = self.textarea
            self.add(name, text.removeprefix("\r\n").removeprefix("\n"))
            self.textarea = None
        elif tag == "select" and self.select is not None:
            options = self.select["options"]
            chosen = [value for value, selected in options if selected]
            if not chosen and options and not self.select["multiple"]:
                chosen = [options[0][0]]
            for value in chosen:
                self.add(self.select["name"], value)
            self.select = None


def read_form(page, form_id):
    reader = FormReader(form_id)
    reader.feed(page)
    reader.close()
    if not reader.pairs:
        raise ValueError(f"no form #{form_id} on the page")
    return reader.pairs


def page_errors(page):
    """The error messages an admin page shows, as one line of text (for the report)."""
    blocks = re.findall(r'class="error(?:note|list)[^"]*"[^>]*>(.*?)</(?:p|ul)>', page, re.S)
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", block)) for block in blocks)
    return " ".join(text.split())[:300] or "no error shown"


class Editor:
    """An editor working through the real admin over HTTP: logs in with the login form,
    then opens an instrument's change form, changes its summary, saves, and checks that
    readers (anonymous, so served by the page cache) see the change at once."""

    def __init__(self, port, username, password, instrument):
        self.username, self.password = username, password
        self.browser = Browser(port)
        self.reader = Browser(port)
        self.change_url = reverse("admin:programs_instrument_change", args=[instrument.pk])
        self.changelist_url = reverse("admin:programs_instrument_changelist")
        self.public_url = instrument.get_absolute_url()
        # Without the mark an interrupted run may have left.
        self.original = MARK_PATTERN.sub("", instrument.summary)
        self.saves = []  # {"ok", "seconds", "problem"}

    def log_in(self):
        login = reverse("admin:login")
        status, _, page = self.browser.request("GET", login)
        form = dict(read_form(page, "login-form"))
        form.update(username=self.username, password=self.password)
        status, headers, page = self.browser.request("POST", login, form)
        if status != 302 or "sessionid" not in self.browser.cookies:
            raise CommandError(f"The editor could not log in ({status}): {page_errors(page)}")

    def keep_saving(self, stop):
        n = 0
        while not stop.is_set():
            n += 1
            mark = MARK.format(n=n)
            self.save(f"{self.original} {mark}", lambda page, mark=mark: mark in page)
        # The last save puts the summary back as it was.
        self.save(self.original, lambda page: MARK_START not in page)

    def save(self, summary, visible):
        """One save, as an editor makes it. Only the POST is timed: the save itself."""
        seconds, problem = None, None
        try:
            status, _, page = self.browser.request("GET", self.change_url)
            if status != 200:
                raise ValueError(f"the change form answered {status}")
            form = read_form(page, "instrument_form")
            if [name for name, _ in form].count("summary") != 1:
                raise ValueError("the change form has no single summary field")
            form = [(name, summary if name == "summary" else value) for name, value in form]
            form.append(("_save", "Guardar"))
            started = time.perf_counter()
            status, headers, page = self.browser.request("POST", self.change_url, form)
            seconds = time.perf_counter() - started
            location = urlsplit(headers.get("Location") or "").path
            if status != 302 or location != self.changelist_url:
                raise ValueError(f"saving answered {status} ({page_errors(page)})")
            # A browser follows the redirect, which also clears the "saved" message.
            self.browser.request("GET", location)
            status, _, page = self.reader.request("GET", self.public_url)
            if status != 200 or not visible(page):
                raise ValueError(f"the public page ({status}) does not show the new summary")
        except (OSError, http.client.HTTPException, ValueError) as error:
            problem = str(error) or type(error).__name__
            time.sleep(0.5)  # a server that fails fast must not turn this into a busy loop
        self.saves.append({"ok": problem is None, "seconds": seconds, "problem": problem})

    def summary(self):
        timed = [save["seconds"] * 1000 for save in self.saves if save["ok"]]
        problems = {}
        for save in self.saves:
            if save["problem"]:
                problems[save["problem"]] = problems.get(save["problem"], 0) + 1
        return {
            "saves_ok": len(timed),
            "saves_failed": len(self.saves) - len(timed),
            "save_p50_ms": percentile(timed, 50),
            "save_p95_ms": percentile(timed, 95),
            "problems": problems,
        }


# The server's log ---------------------------------------------------------------------


def scan_log(text):
    """What gunicorn's stderr says: answers by status class (from the JSON request lines),
    every answer >= 500, errors (Django's, with their tracebacks, and gunicorn's own),
    worker timeouts, and workers started (gunicorn recycles them: max_requests)."""
    found = {"statuses": {}, "5xx": [], "errors": [], "worker_timeouts": 0, "workers_booted": 0}
    four_xx = {}
    for line in text.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            entry = None
        if isinstance(entry, dict):
            status = entry.get("status")
            if entry.get("logger") == "buenas_practicas.requests" and isinstance(status, int):
                key = f"{status // 100}xx"
                found["statuses"][key] = found["statuses"].get(key, 0) + 1
                if status >= 500:
                    found["5xx"].append(
                        {
                            k: entry.get(k)
                            for k in ("time", "method", "path", "status", "request_id")
                        }
                    )
                elif status >= 400:
                    key = f"{status} {entry.get('path')}"
                    four_xx[key] = four_xx.get(key, 0) + 1
            if entry.get("level") in ("ERROR", "CRITICAL") or "exc_info" in entry:
                # The message, and the traceback's last line: the exception itself.
                exception = (entry.get("exc_info") or "").strip().splitlines()[-1:]
                found["errors"].append(
                    " ".join([f"{entry.get('logger')}: {entry.get('message')}", *exception])
                )
            continue
        # gunicorn's own lines: "[time] [pid] [LEVEL] message", and raw tracebacks.
        if "WORKER TIMEOUT" in line:
            found["worker_timeouts"] += 1
        if "Booting worker" in line:
            found["workers_booted"] += 1
        if re.search(r"\[(ERROR|CRITICAL)\]", line) or line.startswith("Traceback"):
            found["errors"].append(line.strip())
    found["4xx_by_path"] = four_xx
    return found


# The report ---------------------------------------------------------------------------


def failures(results):
    found = []
    for run in results["runs"]:
        if run["5xx"]:
            found.append(f"run {run['name']}: {run['5xx']} answers 5xx")
        if run["socket_errors"]:
            found.append(f"run {run['name']}: {run['socket_errors']} socket errors")
        editor = run.get("editor")
        if editor and (editor["saves_failed"] or not editor["saves_ok"]):
            found.append(
                f"run {run['name']}: {editor['saves_failed']} failed saves "
                f"({editor['saves_ok']} succeeded)"
            )
    log = results["server_log"]
    if log["5xx"] or log["errors"] or log["worker_timeouts"]:
        found.append(
            f"server log: {len(log['5xx'])} answers 5xx, {len(log['errors'])} errors, "
            f"{log['worker_timeouts']} worker timeouts"
        )
    return found


def markdown(results):
    s, server = results["settings"], results["server"]
    runs, log = results["runs"], results["server_log"]
    pages = results["pages"]
    lines = [
        f"# Load test: {s['duration']} s per run, {s['connections']} connections, "
        f"{s['threads']} wrk threads",
        "",
        f"`make serve` on PostgreSQL over loopback: gunicorn with {server['workers']} workers "
        f"(config/gunicorn.py), DEBUG off, https redirect on (wrk sends the proxy's "
        f"`X-Forwarded-Proto: https`); page cache: {server['page_cache']}. "
        f"{len(pages)} URLs in rotation, {sum(p['bad_input'] for p in pages)} of them bad "
        "input (unknown filter values, pages out of range, unknown records) that answer 200 or "
        "4xx. Latency in ms.",
        "",
        f"The machine's {os.cpu_count()} CPUs serve wrk, gunicorn, PostgreSQL and Redis alike. "
        "CPU time taken by other work during each run: "
        + ", ".join(
            f"{run['name']} {run['cpu_seconds_other_work']:.0f} s of "
            f"{run['cpu_seconds_available']:.0f} s"
            for run in runs
        )
        + (
            ". Other work competed for the CPUs: these figures understate the site."
            if max(run["cpu_seconds_other_work"] / run["cpu_seconds_available"] for run in runs)
            > 0.05
            else "."
        ),
        "",
        "| run | requests | req/s | p50 | p90 | p99 | 2xx | 3xx | 4xx | 5xx | socket errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        cells = [run["name"], f"{run['requests']:,}", f"{run['rps']:.0f}"]
        cells += [f"{run[f'p{p}_ms']:.1f}" for p in (50, 90, 99)]
        cells += [f"{run[k]:,}" for k in ("2xx", "3xx", "4xx", "5xx", "socket_errors")]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    for run in runs:
        editor = run.get("editor")
        if editor:
            p50, p95 = editor["save_p50_ms"], editor["save_p95_ms"]
            lines.append(
                f"- Editor during run {run['name'].split('.')[0]}: {editor['saves_ok']} saves "
                f"succeeded, {editor['saves_failed']} failed; save (POST → 302) p50 "
                f"{'–' if p50 is None else f'{p50:.0f}'} ms, p95 "
                f"{'–' if p95 is None else f'{p95:.0f}'} ms. Each save was checked on the "
                "public page, as an anonymous reader served by the page cache."
            )
            for problem, count in editor["problems"].items():
                lines.append(f"  - {count} × {problem}")
        errors = {k: run[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts")}
        if run["socket_errors"]:
            lines.append(f"- Socket errors in run {run['name']}: {errors}.")
    four_xx = ", ".join(f"{k} ({n:,})" for k, n in sorted(log["4xx_by_path"].items()))
    lines.append(f"- 4xx answers, by status and path (server log): {four_xx or 'none'}.")
    lines.append(
        f"- Server log: {len(log['5xx'])} answers ≥ 500, {len(log['errors'])} errors or "
        f"tracebacks, {log['worker_timeouts']} worker timeouts; {log['workers_booted']} workers "
        f"started (gunicorn recycles each after about {gunicorn_config.max_requests:,} "
        f"requests); worker RSS at the end "
        f"≤ {server['max_worker_rss_mb']:.0f} MB."
    )
    for item in log["5xx"][:10]:
        lines.append(f"  - {item}")
    for error in log["errors"][:10]:
        lines.append(f"  - {error}")
    verdict = "; ".join(results["failures"]) or "no 5xx, no socket error, no failed save"
    lines += ["", f"**{'FAILED' if results['failures'] else 'PASSED'}**: {verdict}."]
    return "\n".join(lines) + "\n"


def percentile(values, p):
    """The nearest-rank percentile of `values`; None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)], 1)


def cpu_seconds():
    """CPU seconds used so far by the whole machine's processes, and by this test's: this
    process and its children (gunicorn, its workers, wrk; those that ended are in their
    parent's children's time), PostgreSQL's sessions on the load test's database, and
    Redis. Interrupt time is left out: loopback traffic spends it on both sides."""
    ticks = os.sysconf("SC_CLK_TCK")
    user, nice, system = map(int, Path("/proc/stat").read_text().split()[1:4])
    machine = (user + nice + system) / ticks
    processes = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The command's name, in parentheses, may hold spaces: split after it.
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes().decode(errors="replace")
        except OSError:  # it ended meanwhile
            continue
        used = sum(map(int, fields[11:15]))  # utime, stime, cutime, cstime
        processes[int(stat.parent.name)] = (int(fields[1]), used, cmdline)
    ours = {os.getpid()}
    for _ in range(4):  # this process, gunicorn, its workers: a few generations down
        ours |= {pid for pid, (parent, _, _) in processes.items() if parent in ours}
    database = f" {settings.DATABASES['default']['NAME']} "
    used = sum(
        ticks_used
        for pid, (_, ticks_used, cmdline) in processes.items()
        if pid in ours
        or (cmdline.startswith("postgres:") and database in cmdline)
        or cmdline.startswith("redis-server")
    )
    return machine, used / ticks


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
