"""The cost curve `make bench` prints (bench/cost_curve.py): the power law fitted through the
scales' results and its projection to 10 and 50 million loans, checked against figures worked
out by hand. Pure: no database."""

import json
import math

import pytest

from bench import cost_curve
from bench import run as bench_run


def result(scale: str, loans: int, **measures) -> dict:
    """A results file as bench/run.py writes it, with only the parts the curve reads."""
    data = {"scale": scale, "loans": loans, "pages": [], "admin_pages": []}
    if "night" in measures:
        data["nightly"] = {"seconds": measures["night"]}
    if "full_night" in measures:
        data["fixed_points"] = [
            {"when": "after seeding", "seconds": 999.0},
            {"when": "after the nights", "seconds": measures["full_night"]},
        ]
    if "rerun" in measures:
        data["rerun"] = {"seconds": measures["rerun"]}
    for page, p95 in measures.get("pages", {}).items():
        data["pages"].append({"page": page, "role": "officer", "p50_ms": 1.0, "p95_ms": p95})
    return data


def row(rows, name):
    return next(row for row in rows if row.measure.name == name)


def test_an_exact_power_law_gives_back_its_a_and_b():
    # seconds = 0.002 · loans^0.8: 10,000 → 0.002 · 10^3.2 = 3.1698; 100,000 → 0.002 · 10^4 = 20;
    # 1,000,000 → 0.002 · 10^4.8 = 126.19.
    points = [(n, 0.002 * n**0.8) for n in (10_000, 100_000, 1_000_000)]
    law = cost_curve.fit_power_law(points)
    assert law.b == pytest.approx(0.8)
    assert law.a == pytest.approx(0.002)
    assert law.points == 3
    # Growth per 10× of loans: 10^0.8 = 6.3096; at 10 million 0.002 · 10^5.6 = 796.21 s, at 50
    # million 0.002 · (5 · 10^7)^0.8 = 0.002 · 10^5.6 · 5^0.8 = 796.21 · 3.6239 = 2,885.4 s.
    assert law.per_tenfold == pytest.approx(6.3096, rel=1e-4)
    assert law.at(10_000_000) == pytest.approx(796.21, rel=1e-4)
    assert law.at(50_000_000) == pytest.approx(2885.4, rel=1e-4)


def test_a_linear_measure_grows_tenfold_per_tenfold_and_projects_linearly():
    rows = cost_curve.curve(
        [result("small", 10_000, night=1.5), result("medium", 100_000, night=15.0)]
    )
    night = row(rows, "typical night")
    assert night.law.b == pytest.approx(1.0)
    assert night.growth == [pytest.approx(10.0)]
    # 15 s at 100,000 loans, linear: 1,500 s at 10 million, 7,500 s at 50 million.
    assert night.projected == [pytest.approx(1500.0), pytest.approx(7500.0)]


def test_a_flat_measure_projects_flat():
    rows = cost_curve.curve(
        [
            result("small", 10_000, rerun=0.4, pages={"loan page": 12.0}),
            result("medium", 100_000, rerun=0.4, pages={"loan page": 12.0}),
            result("full", 1_000_000, rerun=0.4, pages={"loan page": 12.0}),
        ]
    )
    rerun = row(rows, "rerun, nothing changed")
    assert rerun.law.b == pytest.approx(0.0, abs=1e-12)
    assert rerun.growth == [pytest.approx(1.0), pytest.approx(1.0)]
    assert rerun.projected == [pytest.approx(0.4), pytest.approx(0.4)]
    page = row(rows, "p95 loan page (officer)")
    assert page.measure.unit == "ms"
    assert page.projected == [pytest.approx(12.0), pytest.approx(12.0)]


def test_a_figure_that_shrank_with_the_book_is_held_flat_not_projected_to_fall():
    rows = cost_curve.curve(
        [
            result("small", 10_000, pages={"alert page": 400.0}),
            result("medium", 100_000, pages={"alert page": 260.0}),
        ]
    )
    page = row(rows, "p95 alert page (officer)")
    # 400 → 260 ms: b = log10(0.65) = −0.19, noise; projected at 260 ms, the largest book's.
    assert page.law.b == pytest.approx(math.log10(0.65))
    assert page.held_flat
    assert page.projected == [260.0, 260.0]
    assert not row(
        cost_curve.curve(
            [result("small", 10_000, night=1.0), result("medium", 100_000, night=2.0)]
        ),
        "typical night",
    ).held_flat


def test_growth_between_scales_not_ten_fold_apart_is_per_ten_fold():
    # 2 s at 10,000 and 8 s at 40,000: ×4 over log10(4) = 0.602 decades, per 10× 4^(1/0.602) =
    # 4^1.661 = 10.0 (b = log 4 / log 4 = 1).
    assert cost_curve.growth_per_tenfold((10_000, 2.0), (40_000, 8.0)) == pytest.approx(10.0)
    assert cost_curve.growth_per_tenfold((10_000, None), (40_000, 8.0)) is None


def test_a_measure_missing_at_one_scale_is_fitted_from_the_others():
    # The full night is missing from the medium results (an older run); small has 10 s and full
    # 1,000 s: b = log(100) / log(100) = 1, a = 10 / 10,000 = 0.001; at 10 million 10,000 s.
    rows = cost_curve.curve(
        [
            result("small", 10_000, night=1.0, full_night=10.0),
            result("medium", 100_000, night=10.0),
            result("full", 1_000_000, night=100.0, full_night=1000.0),
        ]
    )
    full_night = row(rows, "full night")
    assert full_night.values == [10.0, None, 1000.0]
    assert full_night.growth == [None, None]
    assert full_night.law.points == 2
    assert full_night.law.b == pytest.approx(1.0)
    assert full_night.projected[0] == pytest.approx(10_000.0)
    # A figure rounded to 0 cannot go on a log scale: left out of the fit, not a crash.
    assert cost_curve.fit_power_law([(10_000, 0.0), (100_000, 2.0)]) is None


def test_a_measure_at_one_scale_only_is_not_projected():
    rows = cost_curve.curve(
        [result("small", 10_000, night=1.0, rerun=0.2), result("medium", 100_000, night=9.0)]
    )
    rerun = row(rows, "rerun, nothing changed")
    assert rerun.law is None and rerun.projected is None
    text = cost_curve.render(
        [result("small", 10_000, night=1.0, rerun=0.2), result("medium", 100_000, night=9.0)]
    )
    rerun_line = next(line for line in text.splitlines() if line.startswith("rerun"))
    assert "needs 2 scales" in rerun_line


def test_one_scale_gives_no_projection(tmp_path):
    (tmp_path / "small.json").write_text(json.dumps(result("small", 10_000, night=1.0)))
    results = cost_curve.load_results(tmp_path)
    assert cost_curve.fit_power_law([(10_000, 1.0)]) is None
    text = cost_curve.render(results)
    assert "at least 2 scales" in text and "no projection" in text
    assert "10,000,000" not in text


def test_the_printed_curve_reads_the_scales_present_smallest_first(tmp_path, capsys):
    (tmp_path / "medium.json").write_text(json.dumps(result("medium", 100_000, night=8.0)))
    (tmp_path / "small.json").write_text(json.dumps(result("small", 10_000, night=1.0)))
    (tmp_path / "notes.json").write_text("{}")  # not a scale's results: ignored
    assert cost_curve.main(["--results", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert "projection to 10,000,000 and 50,000,000 loans from 2 scales" in text
    night = next(line for line in text.splitlines() if line.startswith("typical night"))
    # 1 s → 8 s per 10×: b = log10 8 = 0.903; 10 million is 100× medium: 8 s · 8² = 512 s;
    # 50 million is 500×: 8 s · 500^0.903 = 8 · 273.79 = 2,190 s.
    assert math.log10(8) == pytest.approx(0.903, abs=1e-3)
    assert night.split()[2:11] == ["1.00", "s", "8.00", "s", "×8.00", "0.90", "×8.00", "512", "s"]
    assert night.split()[11:13] == ["2,190", "s"]


def test_make_bench_prints_the_curve_once_two_scales_have_results(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(bench_run, "RESULTS", tmp_path)
    monkeypatch.delenv("BENCH_NO_CURVE", raising=False)
    (tmp_path / "small.json").write_text(json.dumps(result("small", 10_000, night=1.0)))
    bench_run.print_cost_curve()
    assert capsys.readouterr().out == ""
    (tmp_path / "medium.json").write_text(json.dumps(result("medium", 100_000, night=8.0)))
    bench_run.print_cost_curve()
    assert "from 2 scales" in capsys.readouterr().out


def test_bench_scale_all_runs_each_scale_in_turn_then_prints_the_curve(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setattr(bench_run, "RESULTS", tmp_path)
    monkeypatch.delenv("BENCH_NO_CURVE", raising=False)
    runs = []

    def scale_run(command, env, check):
        # Each scale writes its results, as bench/run.py does, and prints no curve itself.
        scale = command[-3].removeprefix("--scale=")
        loans = bench_run.SCALES[scale]
        runs.append((scale, command[-2:], env["BENCH_NO_CURVE"], check))
        (tmp_path / f"{scale}.json").write_text(json.dumps(result(scale, loans, night=loans / 1e4)))

    monkeypatch.setattr(bench_run.subprocess, "run", scale_run)
    assert bench_run.main(["--scale", "all", "--skip-workers"]) == 0
    assert runs == [
        ("small", ["--seed=1", "--skip-workers"], "1", True),
        ("medium", ["--seed=1", "--skip-workers"], "1", True),
        ("full", ["--seed=1", "--skip-workers"], "1", True),
    ]
    text = capsys.readouterr().out
    assert "from 3 scales" in text
    night = next(line for line in text.splitlines() if line.startswith("typical night"))
    # 1, 10 and 100 s: linear, ×10 per 10×: 1,000 s at 10 million, 5,000 s (1.4 h) at 50.
    assert night.split()[-4:] == ["1,000", "s", "1.4", "h"]
