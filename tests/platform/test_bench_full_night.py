"""make bench's full night (bench/full_night.py): in one process and through Celery with one
and two workers, each held to issue 26's targets (60 s and 40 s at 1,000,000 loans) scaled
to the book's loans, and the Celery ones, which commit, to writing 0 rows."""

from bench import full_night, run


def night(seconds: float, *, rows: int = 0, status: str = "done") -> dict:
    return {
        "seconds": seconds,
        "customers_examined": 100_000,
        "rows_written": rows,
        "status": status,
        "fan_out_seconds": 0.3,
        "peak_memory_mb": [180.0],
    }


def test_the_targets_are_the_same_speed_at_every_scale():
    assert full_night.scaled_target(60, 1_000_000) == 60
    assert full_night.scaled_target(40, 1_000_000) == 40
    assert full_night.scaled_target(60, 100_000) == 6
    assert full_night.scaled_target(40, 100_000) == 4
    assert full_night.scaled_target(60, 10_000) == 0.6
    assert full_night.scaled_target(40, 20_000) == 0.8


def test_a_medium_book_is_held_to_six_and_four_seconds():
    summary = full_night.summary(
        loans=100_000,
        one_process={"seconds": 5.9, "customers_examined": 100_000, "rows_written": 0},
        one_worker=night(6.1),
        two_workers=night(3.5),
    )
    assert summary["targets"] == {"one_process_seconds": 6, "two_workers_seconds": 4}
    assert summary["two_workers_vs_one"] == round(6.1 / 3.5, 2)
    checks = full_night.verdicts({"full_nights": summary})
    assert checks == {
        "full night, one process (rolled back) ≤ 6.0 s at 100,000 loans (60 s at 1,000,000)": True,
        "full night through Celery, 1 worker ≤ 6.0 s at 100,000 loans (60 s at 1,000,000)": False,
        "full night through Celery, 1 worker completes and writes 0 rows": True,
        "full night through Celery, 2 workers ≤ 4.0 s at 100,000 loans (40 s at 1,000,000)": True,
        "full night through Celery, 2 workers completes and writes 0 rows": True,
    }


def test_a_celery_full_night_that_wrote_rows_or_failed_misses_its_check():
    summary = full_night.summary(
        loans=1_000_000,
        one_process={"seconds": 50, "customers_examined": 1_000_000, "rows_written": 3},
        one_worker=night(55, rows=12),
        two_workers=night(30, status="failed"),
    )
    checks = full_night.verdicts({"full_nights": summary})
    assert checks["full night through Celery, 1 worker completes and writes 0 rows"] is False
    assert checks["full night through Celery, 2 workers completes and writes 0 rows"] is False
    assert checks[
        "full night through Celery, 2 workers ≤ 40.0 s at 1,000,000 loans (40 s at 1,000,000)"
    ]
    # The one-process night is rolled back: what it would write is the fixed point's check.
    assert not any("one process" in check and "rows" in check for check in checks)


def test_without_workers_only_the_one_process_night_is_reported():
    summary = full_night.summary(
        loans=10_000, one_process={"seconds": 0.5, "customers_examined": 10_000, "rows_written": 0}
    )
    assert set(summary) == {"loans", "targets", "one_process"}
    result = {"full_nights": summary}
    assert list(full_night.verdicts(result)) == [
        "full night, one process (rolled back) ≤ 0.6 s at 10,000 loans (60 s at 1,000,000)"
    ]
    text = "\n".join(full_night.lines(result))
    assert "Celery" not in text
    assert full_night.lines({}) == [] and full_night.verdicts({}) == {}


def test_the_report_prints_each_full_night_with_its_target():
    summary = full_night.summary(
        loans=100_000,
        one_process={"seconds": 5.9, "customers_examined": 100_000, "rows_written": 0},
        one_worker=night(6.1),
        two_workers=night(3.5),
    )
    lines = full_night.lines({"full_nights": summary})
    one_worker = next(line for line in lines if "full night through Celery, 1 worker" in line)
    assert one_worker.endswith("6.1 s   target ≤ 6.0 s")
    two_workers = next(line for line in lines if "2 workers" in line and "target" in line)
    assert two_workers.endswith("3.5 s   target ≤ 4.0 s")
    assert any(line.endswith("1.74×") for line in lines if "2 workers vs 1" in line)
    assert sum("customers examined / rows written" in line for line in lines) == 3


def test_the_bench_report_and_its_verdicts_include_the_full_nights():
    summary = full_night.summary(
        loans=100_000,
        one_process={"seconds": 5.9, "customers_examined": 100_000, "rows_written": 0},
        one_worker=night(6.1),
        two_workers=night(3.5),
    )
    # The bench's verdicts read the result as `measure` leaves it.
    result = {"full_nights": summary}
    assert full_night.verdicts(result).items() <= run_verdicts_of(result).items()


def run_verdicts_of(result: dict) -> dict:
    """run.verdicts over a result holding only the full nights and what verdicts requires."""
    minimal = {
        "nightly": {"seconds": 1},
        "equal_work": {"set_based_vs_naive": 100},
        "rerun": {"seconds": 1, "rows_written": 0},
        "scan": {"seconds": 1},
        "fixed_points": [],
        "pages": [],
        **result,
    }
    return run.verdicts(minimal)


def test_the_cost_curve_follows_the_full_night_with_two_workers_from_scale_to_scale():
    from bench import cost_curve

    def results(scale: str, loans: int, seconds: float | None) -> dict:
        data = {"scale": scale, "loans": loans, "pages": [], "admin_pages": []}
        if seconds is not None:
            data["full_nights"] = {"two_workers": {"seconds": seconds}}
        return data

    rows = cost_curve.curve(
        [
            results("small", 10_000, 0.4),
            results("medium", 100_000, None),  # --skip-workers: no Celery full night
            results("full", 1_000_000, 40.0),
        ]
    )
    [two_workers] = [row for row in rows if row.measure.name == "full night, Celery 2 workers"]
    assert two_workers.values == [0.4, None, 40.0]
    # Linear between the scales that have it: 400 s at 10 million loans.
    assert round(two_workers.projected[0]) == 400
