"""Each domain constant is defined once, in the pure module that owns it: the Django choices
carry the labels of its numbers and keys, the SQL splices it, and the selectors take it from
there, never from a forms module."""

import ast
import itertools
from pathlib import Path

from dashboards import figures
from dashboards.models import LoanFigures
from lending import loan_quality, stages
from lending.models import ApplicationStatus, DpdBucket, LoanClass
from risk import classification, rules
from risk.models import LoanClass as RiskLoanClass
from risk.models import Severity

ROOT = Path(__file__).resolve().parents[2]
APPS = ("accounts", "audit", "core", "customers", "credit", "lending", "risk", "dashboards")


def _selector_modules(root: Path) -> list[Path]:
    """Every selectors module of the product's apps: selectors.py or a selectors package."""
    found = []
    for app in APPS:
        found += (root / app).glob("selectors.py")
        found += (root / app).glob("selectors/**/*.py")
    return sorted(found)


def _forms_imports(path: Path) -> list[str]:
    """The imports of a forms module in a file, at module level or inside a function."""
    imported = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            imported += [a.name for a in node.names if "forms" in a.name.split(".")]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if "forms" in module.split(".") or any(a.name == "forms" for a in node.names):
                imported.append("." * node.level + module)
    return imported


def forms_imported_by_selectors(root: Path) -> dict[str, list[str]]:
    return {
        str(path.relative_to(root)): imports
        for path in _selector_modules(root)
        if (imports := _forms_imports(path))
    }


def test_the_selectors_import_no_forms_module():
    assert len(_selector_modules(ROOT)) >= 5  # the finder finds the apps' selectors
    assert forms_imported_by_selectors(ROOT) == {}


def test_the_loan_classes_choices_are_the_pure_modules_numbers():
    assert RiskLoanClass is LoanClass
    assert tuple(LoanClass.values) == loan_quality.LOAN_CLASSES
    # The rules' module names the classes as the choices do.
    for loan_class in LoanClass:
        assert getattr(classification, loan_class.name) == loan_class.value
    npl = {LoanClass.SUBSTANDARD, LoanClass.DOUBTFUL, LoanClass.LOSS}
    assert loan_quality.NON_PERFORMING == classification.NON_PERFORMING == npl


def test_the_days_past_due_buckets_cover_every_day_once_with_a_label_each():
    assert DpdBucket.values == list(loan_quality.DPD_BUCKETS)
    bounds = list(loan_quality.DPD_BUCKETS.values())
    assert bounds[0] == (0, 0) and bounds[-1][1] is None
    for (_first, last), (next_first, _next_last) in itertools.pairwise(bounds):
        assert next_first == last + 1
    assert list(loan_quality.OVERDUE_BUCKETS) == DpdBucket.values[1:]


def test_the_book_figures_have_a_column_for_each_overdue_bucket():
    columns = [field.name for field in LoanFigures._meta.get_fields()]
    assert list(figures.FIGURES) == columns
    assert list(figures.BUCKET_COLUMNS) == list(loan_quality.OVERDUE_BUCKETS)
    assert set(figures.BUCKET_COLUMNS.values()) <= set(columns)


def test_the_pipeline_stage_groups_are_application_statuses():
    open_, closed = stages.OPEN_APPLICATION_STATUSES, stages.CLOSED_APPLICATION_STATUSES
    assert sorted(open_ + closed) == sorted(ApplicationStatus.values)
    assert set(stages.PIPELINE_STATUSES) <= set(open_)
    # The filter value for the pipeline must not be mistaken for a stage.
    assert stages.IN_PIPELINE not in ApplicationStatus.values


def test_the_severities_are_ranked_from_the_mildest():
    assert list(rules.SEVERITY_RANK) == Severity.values
    assert sorted(rules.SEVERITY_RANK.values()) == list(rules.SEVERITY_RANK.values())
