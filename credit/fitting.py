"""Fitting a scorecard from a table of applicants: reading the table (a CSV a risk team brings,
or the bank's own loan history), running the statistics of credit.modelling, reporting, and
saving the result as a draft scorecard version that admins preview and publish."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from credit import modelling, scoring
from credit.binning import AUTO
from credit.modelling import Column, ModellingError

# Cells read as missing unless the analyst says otherwise (compared without case). "none",
# "无" and "N/A" are not among them: "no telephone", "no other debtors" are real categories;
# the analyst adds them with extra_missing when in a file they do mean "not known".
MISSING_TOKENS = frozenset({"", "na", "nan", "null", "-", "?"})
ID_NAMES = {"id", "applicant_id", "customer_id", "loan_id", "application_id"}
MAX_CATEGORIES = 50
HOLDOUT_SHARE = 0.3


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    source: str


@dataclass
class Prepared:
    columns: list[Column]
    bad: np.ndarray
    ignored: dict[str, str] = field(default_factory=dict)
    dropped_rows: int = 0
    # The tokens read as missing, and how many feature cells each one stood in.
    missing_tokens: frozenset = MISSING_TOKENS
    missing_found: dict[str, int] = field(default_factory=dict)


def read_csv(path: str | Path) -> Table:
    path = Path(path)
    if not path.is_file():
        raise ModellingError(f"{path}: no such file.")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = path.read_text(encoding="gb18030")
        except UnicodeDecodeError:
            raise ModellingError(f"{path}: not a UTF-8 or GB18030 text file.") from None
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        raise ModellingError(f"{path}: the file is empty.") from None
    if len(set(header)) != len(header) or any(not name for name in header):
        raise ModellingError(f"{path}: every column needs a distinct, non-empty name.")
    rows = []
    for number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise ModellingError(
                f"{path}, line {number}: {len(row)} values for {len(header)} columns."
            )
        rows.append(row)
    if not rows:
        raise ModellingError(f"{path}: there are no data rows.")
    return Table(header=header, rows=rows, source=str(path))


def missing_tokens(extra: str | list[str] | None = None) -> frozenset:
    """The default tokens and the analyst's own (comma-separated or a list), lower-cased."""
    if isinstance(extra, str):
        extra = extra.split(",")
    return MISSING_TOKENS | {token.strip().lower() for token in extra or [] if token.strip()}


def _is_missing(cell, tokens: frozenset = MISSING_TOKENS) -> bool:
    return cell is None or str(cell).strip().lower() in tokens


def _number(cell) -> float | None:
    try:
        value = float(str(cell).strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def outcome(
    table: Table, target: str, bad_value: str | None, tokens: frozenset = MISSING_TOKENS
) -> tuple[np.ndarray, np.ndarray]:
    """(is_bad, usable_row_mask). The outcome must be binary; rows without one are left out."""
    if target not in table.header:
        raise ModellingError(
            f"There is no column {target!r}; the columns are {', '.join(table.header)}."
        )
    index = table.header.index(target)
    values = [row[index].strip() for row in table.rows]
    present = np.array([not _is_missing(v, tokens) for v in values])
    distinct = sorted({v for v, keep in zip(values, present, strict=True) if keep})
    if len(distinct) != 2:
        raise ModellingError(
            f"The outcome column {target!r} must hold exactly two values; it holds "
            f"{len(distinct)}: {', '.join(distinct[:10])}."
        )
    if bad_value is None:
        numeric = [_number(v) for v in distinct]
        if numeric == [0.0, 1.0]:
            bad_value = distinct[1]
        else:
            raise ModellingError(
                f"Say which value of {target!r} means bad with --bad-value "
                f"(one of {', '.join(distinct)})."
            )
    if bad_value not in distinct:
        raise ModellingError(
            f"--bad-value {bad_value!r} does not occur in {target!r} "
            f"(values: {', '.join(distinct)})."
        )
    return np.array([v == bad_value for v in values]), present


def prepare(
    table: Table,
    target: str,
    bad_value: str | None,
    id_column: str | None = None,
    tokens: frozenset = MISSING_TOKENS,
) -> Prepared:
    """Detects each column's type and leaves out identifiers and the unusable."""
    bad, present = outcome(table, target, bad_value, tokens)
    if id_column and id_column not in table.header:
        raise ModellingError(f"There is no id column {id_column!r}.")
    rows = [row for row, keep in zip(table.rows, present, strict=True) if keep]
    ignored: dict[str, str] = {}
    found: dict[str, int] = {}
    columns = []
    for index, name in enumerate(table.header):
        if name == target:
            continue
        if name == id_column or (id_column is None and name.lower() in ID_NAMES):
            ignored[name] = "identifier"
            continue
        cells = [row[index] for row in rows]
        for cell in cells:
            if _is_missing(cell, tokens):
                token = cell.strip()
                found[token] = found.get(token, 0) + 1
        filled = [cell.strip() for cell in cells if not _is_missing(cell, tokens)]
        if not filled:
            ignored[name] = "empty"
            continue
        if all(_number(cell) is not None for cell in filled):
            values = [None if _is_missing(cell, tokens) else _number(cell) for cell in cells]
            columns.append(Column(name, "numeric", values))
            continue
        distinct = len(set(filled))
        if distinct > MAX_CATEGORIES and distinct > 0.5 * len(filled):
            ignored[name] = f"text with {distinct} distinct values (an identifier or free text)"
            continue
        values = [None if _is_missing(cell, tokens) else cell.strip() for cell in cells]
        columns.append(Column(name, "categorical", values))
    if not columns:
        raise ModellingError("Besides the outcome there is no column to build a scorecard from.")
    return Prepared(
        columns=columns,
        bad=bad[present],
        ignored=ignored,
        dropped_rows=int((~present).sum()),
        missing_tokens=tokens,
        missing_found=dict(sorted(found.items())),
    )


def holdout_columns(
    table: Table,
    target: str,
    bad_value: str,
    names: list[str],
    kinds: dict,
    tokens: frozenset = MISSING_TOKENS,
):
    """The holdout table, read with the training table's column types and missing tokens."""
    bad, present = outcome(table, target, bad_value, tokens)
    absent = [name for name in names if name not in table.header]
    if absent:
        raise ModellingError(f"The holdout file lacks the columns {', '.join(absent)}.")
    rows = [row for row, keep in zip(table.rows, present, strict=True) if keep]
    columns = {}
    for name in names:
        index = table.header.index(name)
        cells = [row[index] for row in rows]
        if kinds[name] == "numeric":
            values = [None if _is_missing(c, tokens) else _number(c) for c in cells]
        else:
            values = [None if _is_missing(c, tokens) else c.strip() for c in cells]
        columns[name] = Column(name, kinds[name], values)
    return columns, bad[present]


def split(prepared: Prepared, seed: int) -> tuple[Prepared, dict[str, Column], np.ndarray]:
    """A stratified random holdout of 30%, the same for the same seed."""
    rng = np.random.default_rng(seed)
    test_rows: list[int] = []
    for outcome_value in (True, False):
        members = [i for i, b in enumerate(prepared.bad) if bool(b) == outcome_value]
        members = [int(i) for i in rng.permutation(members)]
        test_rows.extend(members[: round(len(members) * HOLDOUT_SHARE)])
    test = np.zeros(len(prepared.bad), dtype=bool)
    test[test_rows] = True
    train = Prepared(
        columns=[
            Column(c.name, c.kind, [v for v, t in zip(c.values, test, strict=True) if not t])
            for c in prepared.columns
        ],
        bad=prepared.bad[~test],
        ignored=prepared.ignored,
        dropped_rows=prepared.dropped_rows,
        missing_tokens=prepared.missing_tokens,
        missing_found=prepared.missing_found,
    )
    holdout = {
        c.name: Column(c.name, c.kind, [v for v, t in zip(c.values, test, strict=True) if t])
        for c in prepared.columns
    }
    return train, holdout, prepared.bad[test]


def _score_bands(train_scores: np.ndarray) -> list[float]:
    """Decile cut points of the training scores, for the PSI of the score."""
    return sorted({float(q) for q in np.quantile(train_scores, np.linspace(0.1, 0.9, 9))})


def band_counts(scores: np.ndarray, edges: list[float]) -> list[int]:
    indices = np.searchsorted(np.asarray(edges), scores, side="right")
    return [int((indices == i).sum()) for i in range(len(edges) + 1)]


@dataclass
class Report:
    result: modelling.FitResult
    train: dict
    holdout: dict
    summary: dict

    def as_json(self) -> dict:
        return {
            "train": self.train,
            "holdout": self.holdout,
            "variables": [
                {
                    "name": v.name,
                    "type": v.kind,
                    "iv": v.iv,
                    "selected": v.selected,
                    "reason": v.reason,
                    "leakage_suspect": v.leakage_suspect,
                    "coefficient": v.coefficient,
                    "trend": v.trend,
                    "trend_ivs": v.trend_ivs,
                    "chance_p": v.chance_p,
                    "binning": v.binning_notes,
                    "bins": [
                        {
                            "label": b.label,
                            "count": b.count,
                            "bads": b.bads,
                            "bad_rate": round(b.bad_rate, 4),
                            "woe": round(b.woe, 4),
                            "points": b.points if v.selected else None,
                            "share": round(b.count / len(self.result.train_bad), 4),
                            "fine_classes": b.fine_classes,
                        }
                        for b in v.bins
                    ],
                }
                for v in sorted(self.result.variables, key=lambda v: -v.iv)
            ],
            "intercept": round(self.result.intercept, 6),
            "summary": self.summary,
            "notes": self.result.notes,
            "scorecard": self.result.definition,
        }


def fit_report(
    train: Prepared,
    holdout: dict[str, Column],
    holdout_bad: np.ndarray,
    *,
    scaling: dict,
    holdout_source: str,
    dimensions: dict | None = None,
    labels: dict | None = None,
    trend: str = AUTO,
) -> Report:
    result = modelling.fit(
        train.columns,
        train.bad,
        scaling=scaling,
        dimensions=dimensions,
        labels=labels,
        trend=trend,
    )
    base = result.definition["base_points"]
    holdout_scores = modelling.score_rows(result.selected, base, holdout, len(holdout_bad))
    edges = _score_bands(result.train_scores)
    stability = modelling.psi(
        band_counts(result.train_scores, edges), band_counts(holdout_scores, edges)
    )
    try:
        holdout_figures = modelling.discrimination(holdout_scores, holdout_bad)
    except ModellingError:
        holdout_figures = {"auc": None, "ks": None, "gini": None}
    columns = {c.name: c for c in train.columns}
    grades = result.definition["grades"]
    result.definition["development"] = {
        **modelling.development_profile(
            result, columns, lambda score: scoring.grade_for(score, grades)["grade"]
        ),
        "source": holdout_source,
    }
    return Report(
        result=result,
        train={
            **modelling.discrimination(result.train_scores, result.train_bad),
            "rows": len(result.train_bad),
            "bad_rate": round(float(result.train_bad.mean()), 4),
        },
        holdout={
            **holdout_figures,
            "psi": round(stability, 4),
            "psi_band": modelling.psi_band(stability),
            "rows": len(holdout_bad),
            "bad_rate": round(float(np.mean(holdout_bad)), 4) if len(holdout_bad) else None,
            "source": holdout_source,
        },
        summary={
            "ignored_columns": train.ignored,
            "rows_without_outcome": train.dropped_rows,
            "missing_tokens": sorted(train.missing_tokens),
            "missing_found": train.missing_found,
            "trend_allowed": trend,
        },
    )


def render_text(report: Report) -> str:
    """The report a risk team reads: IV table, bins with points, coefficients, performance."""
    data = report.as_json()
    lines = [
        f"Training rows: {report.train['rows']} (bad rate {report.train['bad_rate']:.2%}); "
        f"holdout rows: {report.holdout['rows']} ({report.holdout['source']}).",
    ]
    if report.summary["rows_without_outcome"]:
        lines.append(f"Rows without an outcome, left out: {report.summary['rows_without_outcome']}")
    for name, why in report.summary["ignored_columns"].items():
        lines.append(f"Column {name} ignored: {why}.")
    tokens = ", ".join(repr(t) for t in report.summary["missing_tokens"])
    lines.append(f"Read as missing (without case): {tokens}.")
    found = report.summary["missing_found"]
    lines.append(
        "Missing cells found: "
        + (", ".join(f"{token!r} × {count}" for token, count in found.items()) or "none")
        + "."
    )
    lines.append(f"Bad-rate trends allowed: {report.summary['trend_allowed']}.")
    lines += ["", "Information value", f"{'variable':<28}{'type':<13}{'IV':>8}  decision"]
    for variable in data["variables"]:
        decision = "selected" if variable["selected"] else f"dropped: {variable['reason']}"
        if variable["leakage_suspect"]:
            decision += " (IV above 0.5: check for leakage)"
        lines.append(
            f"{variable['name']:<28}{variable['type']:<13}{variable['iv']:>8.4f}  {decision}"
        )
    lines += ["", f"Base points: {report.result.definition['base_points']}"]
    for variable in data["variables"]:
        if not variable["selected"]:
            continue
        lines += [
            "",
            f"{variable['name']} (coefficient {variable['coefficient']:+.4f})",
            f"  {'bin':<34}{'count':>8}{'share':>8}{'bad rate':>10}{'WoE':>9}{'points':>8}",
        ]
        for b in variable["bins"]:
            lines.append(
                f"  {b['label'][:33]:<34}{b['count']:>8}{b['share']:>8.1%}{b['bad_rate']:>10.2%}"
                f"{b['woe']:>9.3f}{b['points']:>8}"
            )
    lines += ["", "How each variable was binned"]
    for variable in data["variables"]:
        tried = ", ".join(
            f"{trend} {'—' if iv is None else f'{iv:.3f}'}"
            for trend, iv in variable["trend_ivs"].items()
        )
        lines.append(f"{variable['name']}: trend {variable['trend'] or '—'} (IV tried: {tried})")
        lines += [f"  - {note}" for note in variable["binning"]]
    lines += ["", f"Intercept: {data['intercept']:+.4f}", "", "Performance"]
    lines.append(f"  {'':<10}{'AUC':>8}{'KS':>8}{'Gini':>8}")
    for label, figures in (("train", report.train), ("holdout", report.holdout)):
        if figures["auc"] is None:
            lines.append(f"  {label:<10}   (needs both outcomes)")
            continue
        lines.append(
            f"  {label:<10}{figures['auc']:>8.4f}{figures['ks']:>8.4f}{figures['gini']:>8.4f}"
        )
    lines.append(
        f"  Score PSI train → holdout: {report.holdout['psi']:.4f} ({report.holdout['psi_band']})"
    )
    for note in report.result.notes:
        lines.append(f"Note: {note}")
    return "\n".join(lines)
