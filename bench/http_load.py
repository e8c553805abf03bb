"""Pages through HTTP under load, for `make bench`: the app under gunicorn (production
settings, as the image runs it) on 127.0.0.1, and N signed-in users, each a thread with its
own session from a real log-in, opening their pages one after the other without think time
for a bounded number of rounds. Reported per number of users: requests per second over the
measured rounds, p50 and p95 of every request (as the client sees it, network stack and
gunicorn included), and p95 per page.

Officers open their working day (customer list, name search, a customer of theirs, today,
alerts, a loan of theirs, the dashboard); one user in four is a manager (dashboard, customer
and loan lists, the pipeline report, the risk page). The bench's users cannot log in until
this sets them a bench-only password, once.

Only ever 127.0.0.1: the load is bounded (rounds × pages per user) and never leaves the
machine.
"""

from __future__ import annotations

import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

BASE_DIR = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
# gunicorn's sync workers: three on two cores (CPU-bound pages; one more than the cores so
# a worker waiting on PostgreSQL does not leave a core idle).
GUNICORN_WORKERS = 3
WARM_ROUNDS = 1
MEASURED_REQUESTS = 400
TARGETS = {"p95_ms_at_4_users": 100, "requests_per_second": 60}
BENCH_PASSWORD = "bench-only-Passw0rd-not-a-secret"  # noqa: S105 -- a bench book's users only
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def wsgi_application():
    """gunicorn's app factory (`bench.http_load:wsgi_application()`): the production
    application (crm_site/wsgi.py, its garbage collector settings included), with static
    files linked without a collectstatic (as bench/run.py's in-process pages do): the pages
    are measured, not the static files."""
    import warnings

    import django

    # WhiteNoise looks for the collected files first; the bench links them from the finders.
    warnings.filterwarnings("ignore", "No directory at")
    django.setup()
    from django.conf import settings

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Imported once the storage is set: WhiteNoise reads it when the application is built.
    from crm_site.wsgi import application

    return application


# --- the users and their pages -------------------------------------------------------------


@dataclass
class BenchUser:
    username: str
    role: str
    pages: list[tuple[str, str]]
    cookies: dict[str, str] = field(default_factory=dict)


def _officer_pages(officer) -> list[tuple[str, str]] | None:
    from lending.models import Loan
    from risk.models import Alert

    loan = (
        Loan.objects.filter(status="active", customer__officer=officer)
        .order_by("id")
        .only("id", "customer_id")
        .first()
    )
    if loan is None:
        return None
    pages = [
        ("customer list", "/customers/"),
        ("name search", "/customers/?" + urlencode({"q": "王"})),
        ("customer 360", f"/customers/{loan.customer_id}/"),
        ("today", "/today/"),
        ("alert list", "/risk/alerts/"),
        ("loan page", f"/credit/loans/{loan.pk}/"),
        ("dashboard", "/dashboard/"),
    ]
    alert = Alert.objects.filter(customer__officer=officer).order_by("id").only("id").first()
    if alert is not None:
        pages.append(("alert page", f"/risk/alerts/{alert.pk}/"))
    return pages


MANAGER_PAGES = [
    ("dashboard", "/dashboard/"),
    ("customer list", "/customers/"),
    ("loan list", "/credit/loans/"),
    ("pipeline report", "/dashboard/reports/pipeline/"),
    ("risk page", "/risk/"),
]


def bench_users(count: int) -> list[BenchUser]:
    """`count` users, one in four a manager, distinct people while the book has enough (then
    the same people again, each with a session of their own); passwords set once."""
    from django.contrib.auth.hashers import make_password

    from accounts.models import Role, User

    managers_wanted = max(1, count // 4)
    officers_wanted = count - managers_wanted
    officers: list[BenchUser] = []
    candidates = User.objects.filter(role=Role.OFFICER, is_active=True).order_by("id")
    for officer in candidates.iterator():
        pages = _officer_pages(officer)
        if pages:
            officers.append(BenchUser(officer.username, officer.role, pages))
        if len(officers) == officers_wanted:
            break
    managers = [
        BenchUser(manager.username, manager.role, MANAGER_PAGES)
        for manager in User.objects.filter(role=Role.MANAGER, is_active=True).order_by("id")[
            :managers_wanted
        ]
    ]
    if not officers or not managers:
        raise RuntimeError("the bench book has no officer with an active loan, or no manager")
    users = [officers[i % len(officers)] for i in range(officers_wanted)]
    users += [managers[i % len(managers)] for i in range(managers_wanted)]
    # One password hash for all: hashing it per user would cost a second each.
    User.objects.filter(username__in={user.username for user in users}).update(
        password=make_password(BENCH_PASSWORD)
    )
    return [BenchUser(user.username, user.role, user.pages) for user in users]


# --- gunicorn ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def start_gunicorn(log: Path, workers: int = GUNICORN_WORKERS) -> tuple[subprocess.Popen, int]:
    from django.conf import settings

    port = _free_port()
    env = {
        **os.environ,
        "ALLOWED_HOSTS": HOST,
        # The bench process's Redis, so the web workers find the same one.
        "REDIS_URL": settings.CELERY_BROKER_URL,
    }
    options = ["--bind", f"{HOST}:{port}", "--workers", str(workers), "--log-level", "warning"]
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "bench.http_load:wsgi_application()", *options],
        cwd=BASE_DIR,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 120
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn ended at start: see {log}")
        try:
            status, _body, _cookies = _request(port, "GET", "/accounts/login/", {})
            if status == 200:
                return process, port
        except OSError:
            pass
        if time.monotonic() > deadline:
            process.terminate()
            raise RuntimeError(f"gunicorn did not answer within two minutes: see {log}")
        time.sleep(0.5)


def stop_gunicorn(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


# --- HTTP ----------------------------------------------------------------------------------


def _request(port: int, method: str, path: str, cookies: dict, form: dict | None = None):
    """One request on a fresh connection (gunicorn's sync workers close every connection);
    returns the status, the body and the cookies set."""
    connection = http.client.HTTPConnection(HOST, port, timeout=60)
    headers = {"Host": HOST}
    if cookies:
        headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    body = None
    if form is not None:
        body = urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        content = response.read()
        jar = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar.load(header)
        return response.status, content, {name: morsel.value for name, morsel in jar.items()}
    finally:
        connection.close()


def sign_in(port: int, user: BenchUser) -> None:
    """The log-in a person makes: the form (and its CSRF cookie), then the POST."""
    status, body, cookies = _request(port, "GET", "/accounts/login/", {})
    token = CSRF_FIELD.search(body.decode("utf-8"))
    if status != 200 or token is None:
        raise RuntimeError(f"log-in page answered {status}")
    user.cookies.update(cookies)
    form = {
        "csrfmiddlewaretoken": token.group(1),
        "username": user.username,
        "password": BENCH_PASSWORD,
    }
    status, _body, cookies = _request(port, "POST", "/accounts/login/", user.cookies, form)
    if status != 302 or "sessionid" not in cookies:
        raise RuntimeError(f"{user.username} could not log in (HTTP {status})")
    user.cookies.update(cookies)


@dataclass
class Timing:
    page: str
    role: str
    ms: float
    status: int


def _loop(port: int, user: BenchUser, rounds: int, out: list[Timing], start: threading.Barrier):
    start.wait()
    for _ in range(rounds):
        for name, path in user.pages:
            began = time.perf_counter()
            status, _body, _cookies = _request(port, "GET", path, user.cookies)
            out.append(Timing(name, user.role, (time.perf_counter() - began) * 1000, status))


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 1)


# A fixed piece of pure Python, timed in CPU time: how fast this machine's cores run just now.
# On the shared 2-core host of the runs in docs/performance.md the same work took from 97 to
# 150 ms within one run (other tenants on the same physical cores), and a page's CPU moved with
# it: the report gives the probe beside the requests per second, taken before and after.
PROBE_ROUNDS = 5


def cpu_speed_probe_ms(rounds: int = PROBE_ROUNDS) -> float:
    """The best of `rounds` timings of the same work, in ms of CPU (lower is faster)."""
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        total, table = 0, {}
        for number in range(1_000_000):
            total += number * number % 7
            table[number % 1000] = total
        best = min(best, time.process_time() - started)
    return round(best * 1000, 1)


def run_users(port: int, users: list[BenchUser], rounds: int) -> tuple[list[Timing], float]:
    """Every user's loop in its own thread, started together; the wall time of all of them."""
    timings: list[list[Timing]] = [[] for _ in users]
    barrier = threading.Barrier(len(users) + 1)
    threads = [
        threading.Thread(target=_loop, args=(port, user, rounds, timings[i], barrier))
        for i, user in enumerate(users)
    ]
    for thread in threads:
        thread.start()
    barrier.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return [timing for per_user in timings for timing in per_user], time.perf_counter() - began


# --- where the CPU goes ----------------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: int) -> tuple[str, int, float] | None:
    """(command, parent pid, CPU seconds used) of a process, from /proc; None once gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    command = raw[raw.index("(") + 1 : raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2 :].split()
    # After the command: state, ppid, ..., utime and stime are the 12th and 13th.
    return command, int(fields[1]), (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def database_server_pid() -> int:
    """The PostgreSQL server (postmaster) the bench's database runs in, when it runs on this
    machine: the parent of this connection's backend; 0 when it is elsewhere."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        stat = _stat(cursor.fetchone()[0])
    return stat[1] if stat is not None and stat[0] == "postgres" else 0


def cpu_by_tier(gunicorn_pid: int, postmaster_pid: int = 0) -> dict[str, float]:
    """CPU seconds used so far by the web tier (gunicorn and its workers), the database (the
    PostgreSQL server and its backends) and the load's client (this process)."""
    import resource

    web = database = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        stat = _stat(int(entry.name))
        if stat is None:
            continue
        _command, parent, seconds = stat
        if gunicorn_pid in (int(entry.name), parent):
            web += seconds
        elif postmaster_pid and postmaster_pid in (int(entry.name), parent):
            database += seconds
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"web": web, "database": database, "client": usage.ru_utime + usage.ru_stime}


def cpu_per_request(before: dict, after: dict, requests: int, seconds: float) -> dict:
    """Milliseconds of CPU per request by tier, and how busy the machine's cores were."""
    used = {tier: max(after[tier] - before[tier], 0.0) for tier in before}
    cores = os.cpu_count() or 1
    return {
        **{f"{tier}_ms": round(1000 * value / max(requests, 1), 1) for tier, value in used.items()},
        "total_ms": round(1000 * sum(used.values()) / max(requests, 1), 1),
        "cores_busy_pct": round(100 * sum(used.values()) / max(seconds * cores, 0.000001), 1),
    }


def load(port: int, count: int, requests: int = MEASURED_REQUESTS, gunicorn_pid: int = 0) -> dict:
    users = bench_users(count)
    for user in users:
        sign_in(port, user)
    run_users(port, users, WARM_ROUNDS)
    pages_per_round = sum(len(user.pages) for user in users)
    rounds = max(1, round(requests / pages_per_round))
    postmaster = database_server_pid()
    probe_before = cpu_speed_probe_ms()
    cpu_before = cpu_by_tier(gunicorn_pid, postmaster)
    timings, seconds = run_users(port, users, rounds)
    cpu = cpu_per_request(cpu_before, cpu_by_tier(gunicorn_pid, postmaster), len(timings), seconds)
    probe_after = cpu_speed_probe_ms()
    by_page: dict[tuple[str, str], list[float]] = {}
    for timing in timings:
        by_page.setdefault((timing.page, timing.role), []).append(timing.ms)
    all_ms = [timing.ms for timing in timings]
    return {
        "users": count,
        "requests": len(timings),
        "errors": sum(1 for timing in timings if timing.status != 200),
        "seconds": round(seconds, 2),
        "requests_per_second": round(len(timings) / seconds, 1),
        "p50_ms": round(statistics.median(all_ms), 1),
        "p95_ms": _p95(all_ms),
        "cpu": cpu,
        "cpu_speed_probe_ms": {"before": probe_before, "after": probe_after},
        "pages": [
            {"page": page, "role": role, "requests": len(ms), "p95_ms": _p95(ms)}
            for (page, role), ms in sorted(by_page.items(), key=lambda item: item[0][::-1])
        ],
    }


def measure(user_counts: tuple[int, ...], workers: int = GUNICORN_WORKERS) -> dict:
    """gunicorn started, each number of users in turn (e.g. 4, then 20), gunicorn stopped."""
    log = BASE_DIR / ".data" / "bench-gunicorn.log"
    log.parent.mkdir(exist_ok=True)
    process, port = start_gunicorn(log, workers)
    try:
        runs = [load(port, count, gunicorn_pid=process.pid) for count in user_counts]
    finally:
        stop_gunicorn(process)
    return {"gunicorn_workers": workers, "runs": runs}


# --- report --------------------------------------------------------------------------------


def lines(http: dict) -> list[str]:
    out = [
        "",
        f"pages through HTTP (gunicorn, {http['gunicorn_workers']} workers, 127.0.0.1, "
        "signed-in users without think time):",
        f"{'users':>7}{'requests':>10}{'errors':>8}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}",
    ]
    for run in http["runs"]:
        out.append(
            f"{run['users']:>7}{run['requests']:>10}{run['errors']:>8}"
            f"{run['requests_per_second']:>9}{run['p50_ms']:>9}{run['p95_ms']:>9}"
        )
    out += [
        "",
        "CPU per request (ms; web = gunicorn, database = PostgreSQL on this machine, "
        "client = the load):",
    ]
    out.append(f"{'users':>7}{'web':>8}{'database':>10}{'client':>8}{'total':>8}{'cores busy':>12}")
    for run in http["runs"]:
        cpu = run.get("cpu")
        if cpu:
            out.append(
                f"{run['users']:>7}{cpu['web_ms']:>8}{cpu['database_ms']:>10}"
                f"{cpu['client_ms']:>8}{cpu['total_ms']:>8}{cpu['cores_busy_pct']:>11}%"
            )
    probes = [run for run in http["runs"] if run.get("cpu_speed_probe_ms")]
    if probes:
        out += [
            "",
            "the machine's speed (ms of CPU for a fixed piece of Python, lower is faster):",
            f"{'users':>7}{'before':>9}{'after':>8}",
        ]
        for run in probes:
            probe = run["cpu_speed_probe_ms"]
            out.append(f"{run['users']:>7}{probe['before']:>9}{probe['after']:>8}")
    heads = "".join(f"{str(run['users']) + ' users':>11}" for run in http["runs"])
    out += ["", f"{'page (p95 ms)':<22}{'role':<10}{heads}"]
    keys = [(page["page"], page["role"]) for page in http["runs"][0]["pages"]]
    for page, role in keys:
        cells = []
        for run in http["runs"]:
            found = [p for p in run["pages"] if (p["page"], p["role"]) == (page, role)]
            cells.append(f"{found[0]['p95_ms'] if found else '-':>11}")
        out.append(f"{page:<22}{role:<10}" + "".join(cells))
    return out


def verdicts(http: dict) -> dict[str, bool]:
    checks = {}
    for run in http["runs"]:
        users = run["users"]
        checks[f"HTTP, {users} users: every request answered 200"] = run["errors"] == 0
        if users == 4:
            limit = TARGETS["p95_ms_at_4_users"]
            checks[f"HTTP, 4 users: p95 ≤ {limit} ms"] = run["p95_ms"] <= limit
        floor = TARGETS["requests_per_second"]
        checks[f"HTTP, {users} users: ≥ {floor} requests/s"] = run["requests_per_second"] >= floor
    return checks
