"""The report of `make bench`'s pages through HTTP (bench/http_load.py): the figures it prints
and the targets it holds them to. The load itself runs only in `make bench` (gunicorn sees
committed data only, never a test's transaction)."""

from bench import http_load


def _run(users: int, *, per_second: float, p95: float, errors: int = 0) -> dict:
    return {
        "users": users,
        "requests": 400,
        "errors": errors,
        "seconds": round(400 / per_second, 2),
        "requests_per_second": per_second,
        "p50_ms": p95 / 2,
        "p95_ms": p95,
        "pages": [
            {"page": "dashboard", "role": "manager", "requests": 60, "p95_ms": p95 + 10},
            {"page": "customer list", "role": "officer", "requests": 60, "p95_ms": p95 - 10},
        ],
    }


def test_the_targets_are_p95_at_four_users_and_requests_per_second_at_each_count():
    met = {
        "gunicorn_workers": 3,
        "runs": [_run(4, per_second=61, p95=99), _run(20, per_second=60, p95=390)],
    }
    assert all(http_load.verdicts(met).values())
    assert set(http_load.verdicts(met)) == {
        "HTTP, 4 users: every request answered 200",
        "HTTP, 4 users: p95 ≤ 100 ms",
        "HTTP, 4 users: ≥ 60 requests/s",
        "HTTP, 20 users: every request answered 200",
        "HTTP, 20 users: ≥ 60 requests/s",
    }
    slow = {
        "gunicorn_workers": 3,
        "runs": [_run(4, per_second=61, p95=101), _run(20, per_second=53, p95=386, errors=2)],
    }
    missed = {check for check, ok in http_load.verdicts(slow).items() if not ok}
    assert missed == {
        "HTTP, 4 users: p95 ≤ 100 ms",
        "HTTP, 20 users: ≥ 60 requests/s",
        "HTTP, 20 users: every request answered 200",
    }


def test_the_table_prints_each_user_count_and_each_page():
    text = "\n".join(
        http_load.lines(
            {
                "gunicorn_workers": 3,
                "runs": [_run(4, per_second=61, p95=87), _run(20, per_second=53, p95=386)],
            }
        )
    )
    assert "gunicorn, 3 workers" in text
    rows = {line.split()[0]: line.split() for line in text.splitlines() if line.strip()}
    assert rows["4"][1:] == ["400", "0", "61", "43.5", "87"]
    assert rows["20"][1:] == ["400", "0", "53", "193.0", "386"]
    dashboard = next(line for line in text.splitlines() if line.startswith("dashboard"))
    assert dashboard.split() == ["dashboard", "manager", "97", "396"]


def test_cpu_per_request_is_split_by_tier_and_says_how_busy_the_cores_were(monkeypatch):
    monkeypatch.setattr(http_load.os, "cpu_count", lambda: 2)
    before = {"web": 10.0, "database": 5.0, "client": 1.0}
    after = {"web": 13.0, "database": 6.0, "client": 1.2}
    cpu = http_load.cpu_per_request(before, after, requests=100, seconds=4.0)
    assert cpu == {
        "web_ms": 30.0,
        "database_ms": 10.0,
        "client_ms": 2.0,
        "total_ms": 42.0,
        "cores_busy_pct": 52.5,
    }
    run = {**_run(4, per_second=61, p95=87), "cpu": cpu}
    text = "\n".join(http_load.lines({"gunicorn_workers": 3, "runs": [run]}))
    header = text.index("CPU per request")
    assert text[header:].splitlines()[2].split() == ["4", "30.0", "10.0", "2.0", "42.0", "52.5%"]


def test_the_web_tier_is_gunicorn_and_its_workers(db):
    import subprocess
    import sys
    import time

    # A master that starts a worker burning 0.4 s of CPU and then waits, as gunicorn's does.
    worker = "import time\nend = time.process_time() + 0.4\nwhile time.process_time() < end: pass"
    master = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', "
            f"{worker + chr(10) + 'time.sleep(60)'!r}]); time.sleep(60)",
        ]
    )
    try:
        deadline = time.monotonic() + 20
        while http_load.cpu_by_tier(master.pid)["web"] < 0.35:
            assert time.monotonic() < deadline, "the worker's CPU was not counted as the web's"
            time.sleep(0.1)
        assert http_load.cpu_by_tier(-1)["web"] == 0
        # The database tier is the server the bench's database runs in, and only it.
        server = http_load.database_server_pid()
        assert server > 0
        assert http_load.cpu_by_tier(-1, server)["database"] > 0
        assert http_load.cpu_by_tier(-1, 0)["database"] == 0
    finally:
        for child in (
            http_load.Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
        ):
            subprocess.run(["kill", child], check=False)
        master.kill()
        master.wait()


def test_the_machines_speed_is_printed_beside_each_load_and_counts_cpu_not_waiting(monkeypatch):
    # On a shared host the same work took from 97 to 150 ms within one run: the report says
    # how fast the cores ran around each load.
    runs = [
        {**_run(4, per_second=61, p95=87), "cpu_speed_probe_ms": {"before": 205.0, "after": 311.5}},
        {
            **_run(20, per_second=53, p95=386),
            "cpu_speed_probe_ms": {"before": 198.2, "after": 201.0},
        },
    ]
    text = "\n".join(http_load.lines({"gunicorn_workers": 3, "runs": runs}))
    header = text.index("the machine's speed")
    assert [line.split() for line in text[header:].splitlines()[2:4]] == [
        ["4", "205.0", "311.5"],
        ["20", "198.2", "201.0"],
    ]
    # CPU time: a process waiting (as the load's client does on the server) does not count.
    clock = iter([0.0, 0.25, 0.25, 0.30])
    monkeypatch.setattr(http_load.time, "process_time", lambda: next(clock))
    assert http_load.cpu_speed_probe_ms(rounds=2) == 50.0
