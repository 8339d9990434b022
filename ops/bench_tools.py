"""The instruments `make bench` measures with: wrk (by time and by count), pgbench for the
SQL floor, a wait for a server to be idle, gunicorn's resolved settings, and the memory
of a server's processes."""

import http.client
import json
import math
import os
import re
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import psutil
from django.conf import settings

# wrk measures for at least `duration` seconds and until at least `min_requests` responses
# have come back, then stops as on Ctrl-C (SIGINT: its threads stop and it reports); its
# -d is only an upper bound. Latency is recorded before response() runs, so counting here
# does not add to it. One thread: one count. One JSON line at the end.
WRK_SCRIPT = """
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_usec; } bench_timeval;
int gettimeofday(bench_timeval *tv, void *tz);
int kill(int pid, int sig);
int getpid(void);
]]
local function now()
  local tv = ffi.new("bench_timeval")
  ffi.C.gettimeofday(tv, nil)
  return tonumber(tv.tv_sec) + tonumber(tv.tv_usec) / 1e6
end
local duration, min_requests, started, received, stopping = 10, 30, nil, 0, false
init = function(args)
  duration = tonumber(args[1]) or duration
  min_requests = tonumber(args[2]) or min_requests
  started = now()
end
response = function(status, headers, body)
  received = received + 1
  if not stopping and received >= min_requests and now() - started >= duration then
    stopping = true
    ffi.C.kill(ffi.C.getpid(), 2)
  end
end
done = function(summary, latency, requests)
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    '{"p50_ms": %.3f, "p95_ms": %.3f, "p99_ms": %.3f, "mean_ms": %.3f, "max_ms": %.3f, '
    .. '"requests": %d, "seconds": %.3f, "rps": %.3f, "bytes": %d, "non_2xx": %d, '
    .. '"socket_errors": %d}\\n',
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.mean / 1000, latency.max / 1000,
    summary.requests, seconds, summary.requests / seconds, summary.bytes,
    e.status, e.connect + e.read + e.write + e.timeout))
end
"""
UNMEASURED = {
    key: None for key in ("p50_ms", "p95_ms", "p99_ms", "mean_ms", "max_ms", "rps", "requests")
}
# Gunicorn's settings the report names.
GUNICORN_SETTINGS = (
    "worker_class",
    "workers",
    "threads",
    "max_requests",
    "max_requests_jitter",
    "preload_app",
    "timeout",
    "limit_request_line",
    "bind",
)


# HTTP ------------------------------------------------------------------------------------


def probe(url, headers=None, timeout=120):
    """One GET, redirects not followed: (status, body, seconds)."""
    parts = urlsplit(url)
    started = time.perf_counter()
    client = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        client.request("GET", path, headers=headers or {})
        response = client.getresponse()
        body = response.read()
    finally:
        client.close()
    return response.status, body, time.perf_counter() - started


def wrk(url, script, options, headers=None):
    """wrk on `url`: `options` gives connections, duration, min_requests, max_seconds.
    The results of wrk's report (see WRK_SCRIPT), or why there are none."""
    command = ["wrk", "-t1", f"-c{options['connections']}", "--latency", "--timeout", "60s"]
    command += [f"-d{options['max_seconds']}s", "-s", str(script)]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    command += [url, "--", str(options["duration"]), str(options["min_requests"])]
    finished = subprocess.run(
        command, capture_output=True, text=True, timeout=options["max_seconds"] + 60
    )
    lines = [line for line in finished.stdout.splitlines() if line.startswith("{")]
    if finished.returncode or not lines:
        return {**UNMEASURED, "error": f"wrk failed: {finished.stderr.strip()[-300:]}"}
    result = json.loads(lines[-1])
    if not result["requests"]:
        return {**result, **UNMEASURED, "error": "no request completed"}
    return result


# Idle ------------------------------------------------------------------------------------


def cpu_seconds(pid):
    """CPU seconds used so far by the process `pid` and its descendants."""
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def wait_idle(pid, window=0.25, threshold=0.05, timeout=30):
    """Wait until the server `pid` (with its workers) has used under `threshold` of a core
    for two windows in a row: what was queued when wrk stopped has been answered. The
    seconds waited, or None if it never got idle within `timeout`."""
    started = time.monotonic()
    quiet = 0
    while quiet < 2:
        if time.monotonic() - started > timeout:
            return None
        before = cpu_seconds(pid)
        time.sleep(window)
        quiet = quiet + 1 if cpu_seconds(pid) - before < threshold * window else 0
    return time.monotonic() - started


# Gunicorn ----------------------------------------------------------------------------------


def gunicorn_settings(command, env):
    """Gunicorn's settings as `command` (with `env`) resolves them: `--print-config`."""
    printed = subprocess.run(
        [*command, "--print-config"], env=env, capture_output=True, text=True, timeout=120
    )
    found = {}
    for line in printed.stdout.splitlines():
        name, equals, value = line.partition("=")
        if equals and name.strip() in GUNICORN_SETTINGS:
            found[name.strip()] = value.strip()
    if not found:
        found["error"] = printed.stderr.strip()[-300:]
    return found


def log_events(text, workers):
    """What gunicorn's log says about its workers: how many were booted beyond the first
    `workers`, how many recycled themselves (max_requests), and the master's lines about
    the search indexes (built before forking)."""
    booted = text.count("Booting worker with pid")
    return {
        "restarts": max(0, booted - workers),
        "autorestarts": text.count("Autorestarting worker"),
        "timeouts": text.count("WORKER TIMEOUT"),
        "index_lines": [
            line.strip()
            for line in text.splitlines()
            if re.search(r"search ind|index", line, re.IGNORECASE) and '"path"' not in line
        ][:3],
    }


def memory(pid):
    """RSS, PSS and USS in MB of the server `pid` and of each of its workers. The workers
    share the indexes the master built before forking: RSS counts them whole in each,
    USS not at all, PSS shares them out among the processes that hold them."""

    def of(process):
        info = process.memory_full_info()
        sizes = {"rss_mb": info.rss, "pss_mb": info.pss, "uss_mb": info.uss}
        return {"pid": process.pid, **{key: value / 2**20 for key, value in sizes.items()}}

    master = psutil.Process(pid)
    workers = []
    for child in master.children():
        try:
            workers.append(of(child))
        except psutil.NoSuchProcess:
            continue
    return {"master": of(master), "workers": workers}


# pgbench -----------------------------------------------------------------------------------


def pgbench(script, options):
    """The SQL in the file `script` run by pgbench on the bench's database, by `options`'
    connections for `duration` seconds, then again by count if that gave fewer than
    `min_requests` transactions. Latency average (ms), tps and transactions."""
    db = settings.DATABASES["default"]
    clients = options["connections"]
    command = ["pgbench", "-n", "-f", str(script), "-c", str(clients), "-j", str(min(2, clients))]
    command += ["-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432)]
    command += ["-U", db["USER"] or "postgres", db["NAME"]]
    env = {**os.environ, "PGOPTIONS": db.get("OPTIONS", {}).get("options", "")}
    if db["PASSWORD"]:
        env["PGPASSWORD"] = db["PASSWORD"]
    result = run_pgbench([*command, "-T", str(options["duration"])], env)
    if "error" not in result and result["transactions"] < options["min_requests"]:
        per_client = math.ceil(options["min_requests"] / clients)
        result = run_pgbench([*command, "-t", str(per_client)], env)
    return result


def run_pgbench(command, env):
    finished = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    out = finished.stdout

    def number(pattern):
        found = re.search(pattern, out)
        return float(found.group(1)) if found else None

    result = {
        "latency_ms": number(r"latency average = ([\d.]+) ms"),
        "tps": number(r"tps = ([\d.]+)"),
        "transactions": int(number(r"transactions actually processed: (\d+)") or 0),
        "failed": int(number(r"failed transactions: (\d+)") or 0),
    }
    if finished.returncode or result["latency_ms"] is None:
        result["error"] = (finished.stderr.strip() or out.strip())[-300:]
    return result


def write_sql(path, statements):
    """The statements, one per line, each ended by `;`: a pgbench script."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text("".join(f"{sql.strip().rstrip(';')};\n" for sql in statements))
