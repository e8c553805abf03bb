"""make bench: the full night (every customer recomputed, as on the first night of a book or
after a rule change) in one process and through Celery with one and with two workers.

Targets at 1,000,000 loans (issue 26): a full night in one process ≤ 60 s, with two workers
≤ 40 s. A smaller book is held to the same speed, the targets scaled by its loans over a
million (100,000 loans: 6 s and 4 s). One worker is one process too: it is held to the
one-process target.

The one-process full night is the fixed point's full run after the nights (bench/
book_checks.py, rolled back). The Celery ones run for real and commit, on the last night the
bench worked: on the fixed point a full run writes 0 rows, and the report says whether each
did (rows it wrote are a defect, and they are in the book afterwards)."""

from __future__ import annotations

TARGET_LOANS = 1_000_000
TARGETS = {"one_process_seconds": 60, "two_workers_seconds": 40}


def scaled_target(seconds: float, loans: int) -> float:
    """The target for a book of `loans`: the same loans per second as `seconds` at a million."""
    return round(seconds * loans / TARGET_LOANS, 2)


def summary(
    *,
    loans: int,
    one_process: dict,
    one_worker: dict | None = None,
    two_workers: dict | None = None,
) -> dict:
    """The full nights measured, each with its seconds, customers and rows written, and the
    targets for this book. Without workers (--skip-workers) only the one-process night."""

    def night(run: dict) -> dict:
        return {
            "seconds": run["seconds"],
            "customers_examined": run["customers_examined"],
            "rows_written": run["rows_written"],
            **({"status": run["status"]} if "status" in run else {}),
            **({"fan_out_seconds": run["fan_out_seconds"]} if "fan_out_seconds" in run else {}),
            **({"peak_memory_mb": run["peak_memory_mb"]} if "peak_memory_mb" in run else {}),
        }

    nights = {"one_process": night(one_process)}
    if one_worker is not None and two_workers is not None:
        nights["one_worker"] = night(one_worker)
        nights["two_workers"] = night(two_workers)
        nights["two_workers_vs_one"] = round(
            one_worker["seconds"] / max(two_workers["seconds"], 0.001), 2
        )
    return {
        "loans": loans,
        "targets": {name: scaled_target(seconds, loans) for name, seconds in TARGETS.items()},
        **nights,
    }


ROWS = (
    ("one_process", "full night, one process (rolled back)", "one_process_seconds"),
    ("one_worker", "full night through Celery, 1 worker", "one_process_seconds"),
    ("two_workers", "full night through Celery, 2 workers", "two_workers_seconds"),
)


def lines(result: dict) -> list[str]:
    full = result.get("full_nights")
    if not full:
        return []
    out = []
    for key, label, target in ROWS:
        if key not in full:
            continue
        run = full[key]
        out += [
            f"{label:<46}{run['seconds']:>20} s   target ≤ {full['targets'][target]} s",
            f"{'  customers examined / rows written':<46}"
            f"{run['customers_examined']:>12,} / {run['rows_written']:,}",
        ]
    if "two_workers_vs_one" in full:
        out.append(f"{'  2 workers vs 1, full night':<46}{full['two_workers_vs_one']:>21}×")
    return out


def verdicts(result: dict) -> dict[str, bool]:
    full = result.get("full_nights")
    if not full:
        return {}
    at_loans = f"at {full['loans']:,} loans"
    checks = {}
    for key, label, target in ROWS:
        if key not in full:
            continue
        limit = full["targets"][target]
        seconds = TARGETS[target]
        checks[f"{label} ≤ {limit} s {at_loans} ({seconds} s at 1,000,000)"] = (
            full[key]["seconds"] <= limit
        )
        if key != "one_process":
            # It ran for real on the fixed point: anything it wrote is a defect.
            checks[f"{label} completes and writes 0 rows"] = (
                full[key].get("status") == "done" and full[key]["rows_written"] == 0
            )
    return checks
