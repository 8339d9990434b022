"""What `manage.py loadtest` makes of a run: Locust's statistics (the files `locust
--csv PREFIX --json-file PREFIX` writes), the server's log, the CPU time, the checks and
the report."""

import csv
import json
import math
import os
import re
import resource
from collections import Counter
from contextlib import suppress
from pathlib import Path

from config import gunicorn as gunicorn_config

# The editor's requests are named so in ops/locustfile.py; the others are readers'.
EDITOR_PREFIX = "editor: "


# Locust's statistics ------------------------------------------------------------------


def locust_results(prefix):
    """One run's figures, from the files Locust wrote at `prefix`: the readers' requests
    and latency (the editor's requests apart), the failures and, if the editor ran, its
    saves."""
    entries = json.loads(Path(f"{prefix}.json").read_text())
    found = []  # {"name": the request's, "error", "count"}
    with open(f"{prefix}_failures.csv", newline="") as rows:
        for row in csv.DictReader(rows):
            error, count = unwrap(row["Error"]), int(row["Occurrences"])
            found.append({"name": row["Name"], "error": error, "count": count})
    with open(f"{prefix}_exceptions.csv", newline="") as rows:
        for row in csv.DictReader(rows):
            error, count = f"exception: {row['Message']}", int(row["Count"])
            found.append({"name": "ops/locustfile.py", "error": error, "count": count})
    readers = [entry for entry in entries if not entry["name"].startswith(EDITOR_PREFIX)]
    result = {**latency(readers), "failures": found}
    sockets = [f["count"] for f in found if f["error"].startswith("socket error")]
    result["socket_errors"] = sum(sockets)
    if len(readers) < len(entries):
        result["editor"] = editor_results(entries, found)
    return result


def unwrap(error):
    """Locust writes a failure as its exception's repr: "CatchResponseError('…')"."""
    match = re.fullmatch(r"CatchResponseError\((['\"])(.*)\1\)", error)
    return match[2] if match else error


def latency(entries):
    """Requests, requests per second and latency percentiles (ms) over `entries`, from
    their histograms (Locust rounds times over 100 ms to 2 significant digits)."""
    times = Counter()
    for entry in entries:
        times.update({float(ms): n for ms, n in entry["response_times"].items()})
    requests = sum(entry["num_requests"] for entry in entries)
    ends = [entry["last_request_timestamp"] or 0 for entry in entries]
    seconds = max(ends, default=0) - min((entry["start_time"] for entry in entries), default=0)
    return {
        "requests": requests,
        "seconds": round(seconds, 1),
        "rps": round(requests / seconds, 1) if seconds > 0 else 0.0,
        **{f"p{p}_ms": percentile(times, p) for p in (50, 90, 99)},
        "max_ms": round(max((entry["max_response_time"] for entry in entries), default=0), 1),
    }


def percentile(histogram, p):
    """The nearest-rank percentile of {value: count}; None when it is empty."""
    rank, seen = math.ceil(p / 100 * sum(histogram.values())), 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    return None


def editor_results(entries, found):
    """The editor's saves: one succeeded when its POST redirected to the list and the
    public page showed it. Only the POST is timed: the save itself."""
    by_name = {entry["name"]: entry for entry in entries}
    empty = {"num_requests": 0, "num_failures": 0, "response_times": {}}
    save = by_name.get(EDITOR_PREFIX + "save", empty)
    shown = by_name.get(EDITOR_PREFIX + "public page", empty)
    failed = sum(f["count"] for f in found if f["name"].startswith(EDITOR_PREFIX))
    times = Counter({float(ms): n for ms, n in save["response_times"].items()})
    return {
        "saves_ok": save["num_requests"] - save["num_failures"] - shown["num_failures"],
        "saves_failed": failed,
        "save_p50_ms": percentile(times, 50),
        "save_p95_ms": percentile(times, 95),
    }


def cpu_seconds(database):
    """CPU seconds used so far by the whole machine's processes; by this test's: this
    process and its children (gunicorn, its workers, Locust; those that ended count in
    their parent's children's time), PostgreSQL's sessions on the load test's database,
    and Redis; and by the children this process waited for (Locust, once it is done).
    Interrupt time is left out: loopback traffic spends it on both sides."""
    import psutil  # the `ops` extra, which `manage.py loadtest` checks for first

    machine = psutil.cpu_times()
    ours = [psutil.Process(), *psutil.Process().children(recursive=True)]
    database = f" {database} "
    for process in psutil.process_iter(["name", "cmdline"]):
        cmdline = " ".join(process.info["cmdline"] or []) + " "
        if process.info["name"] == "redis-server" or (
            cmdline.startswith("postgres:") and database in cmdline
        ):
            ours.append(process)
    used = 0.0
    for process in ours:
        with suppress(psutil.Error):  # it ended meanwhile
            times = process.cpu_times()
            used += times.user + times.system + times.children_user + times.children_system
    waited = resource.getrusage(resource.RUSAGE_CHILDREN)
    return machine.user + machine.nice + machine.system, used, waited.ru_utime + waited.ru_stime


def cpu_use(before, after, seconds):
    """Over a run of `seconds`, from `cpu_seconds()` before and after it: the CPU seconds
    the machine had, those other work took from the site, and those Locust took."""
    machine, ours, locust = (end - start for start, end in zip(before, after, strict=True))
    return {
        "cpu_seconds_available": round(seconds * os.cpu_count(), 1),
        "cpu_seconds_other_work": round(max(0.0, machine - ours), 1),
        "cpu_seconds_locust": round(locust, 1),
    }


# The server's log ---------------------------------------------------------------------


def scan_log(text):
    """What gunicorn's stderr says: answers by status class (from the JSON request lines),
    every answer >= 500, errors (Django's, with their tracebacks, and gunicorn's own),
    worker timeouts, and workers started (gunicorn recycles them: max_requests)."""
    found = {"statuses": {}, "5xx": [], "errors": [], "worker_timeouts": 0, "workers_booted": 0}
    four_xx = Counter()
    for line in text.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            entry = None
        if not isinstance(entry, dict):
            # gunicorn's own lines: "[time] [pid] [LEVEL] message", and raw tracebacks.
            found["worker_timeouts"] += "WORKER TIMEOUT" in line
            found["workers_booted"] += "Booting worker" in line
            if re.search(r"\[(ERROR|CRITICAL)\]", line) or line.startswith("Traceback"):
                found["errors"].append(line.strip())
            continue
        status = entry.get("status")
        if entry.get("logger") == "buenas_practicas.requests" and isinstance(status, int):
            key = f"{status // 100}xx"
            found["statuses"][key] = found["statuses"].get(key, 0) + 1
            if status >= 500:
                keys = ("time", "method", "path", "status", "request_id")
                found["5xx"].append({k: entry.get(k) for k in keys})
            elif status >= 400:
                four_xx[f"{status} {entry.get('path')}"] += 1
        if entry.get("level") in ("ERROR", "CRITICAL") or "exc_info" in entry:
            # The message, and the traceback's last line: the exception itself.
            exception = (entry.get("exc_info") or "").strip().splitlines()[-1:]
            message = f"{entry.get('logger')}: {entry.get('message')}"
            found["errors"].append(" ".join([message, *exception]))
    found["4xx_by_path"] = dict(four_xx)
    return found


# The report ---------------------------------------------------------------------------


def failures(results):
    found = []
    for run in results["runs"]:
        errors = Counter()
        for failure in run["failures"]:
            errors[failure["error"]] += failure["count"]
        found += [f"run {run['name']}: {n:,} × {error}" for error, n in errors.items()]
        editor = run.get("editor")
        if editor and not editor["saves_ok"]:
            found.append(f"run {run['name']}: no save succeeded")
    log = results["server_log"]
    if log["5xx"] or log["errors"] or log["worker_timeouts"]:
        found.append(
            f"server log: {len(log['5xx'])} answers 5xx, {len(log['errors'])} errors, "
            f"{log['worker_timeouts']} worker timeouts"
        )
    return found


def markdown(results):
    lines = [*report_header(results), *report_table(results["runs"]), ""]
    for run in results["runs"]:
        lines += report_editor(run)
    lines += report_log(results)
    verdict = "; ".join(results["failures"]) or "no 5xx, no socket error, no failed save"
    lines += ["", f"**{'FAILED' if results['failures'] else 'PASSED'}**: {verdict}."]
    return "\n".join(lines) + "\n"


def report_header(results):
    s, server = results["settings"], results["server"]
    runs, pages = results["runs"], results["pages"]
    other = ", ".join(
        f"{run['name']} {run['cpu_seconds_other_work']:.0f} s of "
        f"{run['cpu_seconds_available']:.0f} s"
        for run in runs
    )
    locust = ", ".join(f"{run['name']} {run['cpu_seconds_locust']:.0f} s" for run in runs)
    competed = max(r["cpu_seconds_other_work"] / r["cpu_seconds_available"] for r in runs) > 0.05
    return [
        f"# Load test: {s['duration']} s per run, {s['users']} Locust readers",
        "",
        f"`make serve` on PostgreSQL over loopback: gunicorn with {server['workers']} workers "
        f"(config/gunicorn.py), DEBUG off, https redirect on (Locust sends the proxy's "
        f"`X-Forwarded-Proto: https`); page cache: {server['page_cache']}. "
        f"{len(pages)} URLs in rotation (ops/locustfile.py), "
        f"{sum(p['bad_input'] for p in pages)} of them bad input (unknown filter values, pages "
        "out of range, unknown records) that answer 200 or 4xx. Readers ask with no pause; "
        "their figures leave the editor's requests out. Latency in ms (Locust's, rounded "
        "to 2 significant digits over 100 ms); answers by status from the server's log.",
        "",
        f"The machine's {os.cpu_count()} CPUs serve Locust, gunicorn, PostgreSQL and Redis "
        f"alike. CPU time taken by Locust itself: {locust}; by other work: {other}"
        + (
            ". Other work competed for the CPUs: these figures understate the site."
            if competed
            else "."
        ),
        "",
    ]


def report_table(runs):
    lines = [
        "| run | requests | req/s | p50 | p90 | p99 | 2xx | 3xx | 4xx | 5xx | socket errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        statuses = run["server_log"]["statuses"]
        cells = [run["name"], f"{run['requests']:,}", f"{run['rps']:.0f}"]
        cells += [
            "–" if run[f"p{p}_ms"] is None else f"{run[f'p{p}_ms']:.0f}" for p in (50, 90, 99)
        ]
        cells += [f"{statuses.get(key, 0):,}" for key in ("2xx", "3xx", "4xx", "5xx")]
        cells.append(f"{run['socket_errors']:,}")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def report_editor(run):
    editor, lines = run.get("editor"), []
    if editor:
        p50, p95 = editor["save_p50_ms"], editor["save_p95_ms"]
        lines.append(
            f"- Editor during run {run['name'].split('.')[0]}: {editor['saves_ok']} saves "
            f"succeeded, {editor['saves_failed']} failed; save (POST → 302) p50 "
            f"{'–' if p50 is None else f'{p50:.0f}'} ms, p95 "
            f"{'–' if p95 is None else f'{p95:.0f}'} ms. Each save was checked on the "
            "public page, as an anonymous reader served by the page cache."
        )
    failures = sorted(run["failures"], key=lambda failure: -failure["count"])
    for f in failures[:10]:
        lines.append(f"- Failed in run {run['name']}: {f['count']:,} × {f['name']}: {f['error']}")
    if len(failures) > 10:
        lines.append(f"- … and {len(failures) - 10} more kinds of failure: see the JSON.")
    return lines


def report_log(results):
    log, server = results["server_log"], results["server"]
    four_xx = ", ".join(f"{k} ({n:,})" for k, n in sorted(log["4xx_by_path"].items()))
    lines = [
        f"- 4xx answers, by status and path (server log): {four_xx or 'none'}.",
        f"- Server log: {len(log['5xx'])} answers ≥ 500, {len(log['errors'])} errors or "
        f"tracebacks, {log['worker_timeouts']} worker timeouts; {log['workers_booted']} workers "
        f"started (gunicorn recycles each after about {gunicorn_config.max_requests:,} "
        f"requests); worker RSS at the end ≤ {server['max_worker_rss_mb']:.0f} MB.",
    ]
    lines += [f"  - {item}" for item in log["5xx"][:10]]
    lines += [f"  - {error}" for error in log["errors"][:10]]
    lines.append(
        "- Locust's own reports: var/loadtest/locust-run*.html, *_stats.csv, *_failures.csv."
    )
    return lines
