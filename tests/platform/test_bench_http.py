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
