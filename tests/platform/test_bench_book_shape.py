"""make bench says when its book has drifted out of a bank's shape (about 1.5–3% NPL by
balance, 3–6% of the active loans overdue, open alerts for a few percent of the customers),
as a book carried on from run to run does, and how to seed a new one."""

from bench import run

IN_SHAPE = {"npl_ratio_pct": 2.17, "overdue_loans_pct": 4.7, "customers_with_open_alert_pct": 6.19}


def book(**figures) -> dict:
    return {
        **IN_SHAPE,
        "npl_loans_pct": 2.45,
        "open_alerts_by_indicator": {"dpd": 34_959},
        "applications_by_status": {"approved": 15_228},
        "facilities": 199_999,
        "groups": 20_000,
        "collateral": 566_359,
        "assessments_without_factor_points": 0,
        **figures,
    }


def test_a_book_in_shape_is_left_alone():
    assert run.shape_drift(book()) == []
    assert not any("shape" in line for line in run._shape_lines({"loans": 10_000, "shape": book()}))


def test_a_drifted_book_is_told_so_with_how_to_seed_a_new_one():
    drifted = book(npl_ratio_pct=5.46, customers_with_open_alert_pct=15.72)
    assert run.shape_drift(drifted) == [
        "NPL ratio by balance 5.46% (a bank's 1.5–3%)",
        "customers with an open alert 15.72% (a bank's 0–8%)",
    ]
    lines = run._shape_lines({"loans": 1_000_000, "shape": drifted})
    assert lines[-2] == (
        "  out of a bank's shape: NPL ratio by balance 5.46% (a bank's 1.5–3%); "
        "customers with an open alert 15.72% (a bank's 0–8%)"
    )
    assert lines[-1] == "  (remove .data/bench-1000000.json and make bench seeds a new book)"
