"""An old migration does the same thing forever: it carries the SQL it installs and the data it
seeds as frozen text beside it (`<app>/migrations/sql/`, `<app>/migrations/data/`), never a
call into today's code, which moves on. And the SQL that the code generates today is what the
latest of those migrations installed, so a change to a trigger reaches existing databases
through a new migration, not only new ones."""

import ast
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings

from dashboards import figures
from lending import collateral_customer, customer_scope
from risk import alert_scope, exposure, pending, provision_scope

BASE_DIR = Path(settings.BASE_DIR)
PROJECT_PACKAGES = {init.parent.name for init in BASE_DIR.glob("*/__init__.py")}

# What a migration may import from the project, and why.
ALLOWED_IMPORTS = {
    # Field and validator classes that model fields name: Django's own migrations import them.
    "core.field_crypto": "a model field's class",
    "customers.validators": "a model field's validator",
    # Converges on today's roles whenever it runs (its docstring says why that is safe).
    "accounts.roles": "the role groups' convergent sync",
    # Encrypts the identifiers already on file: they must be written as today's code reads
    # them, with today's keys.
    "customers.encryption": "identifiers written as today's code reads them",
}

# The module that generates each set of triggers, and the frozen SQL of the latest migration
# that installed them.
LATEST_INSTALL = {
    "dashboards.figures": (
        figures,
        "dashboards/migrations/sql/0010_figure_risk_trigger_reads_changed_loans_only.install.sql",
    ),
    "risk.pending": (
        pending,
        "risk/migrations/sql/0030_facility_collateral_marks.install.sql",
    ),
    "risk.alert_scope": (alert_scope, "risk/migrations/sql/0006_alert_customer_scope.install.sql"),
    "lending.customer_scope": (
        customer_scope,
        "lending/migrations/sql/0013_customer_exposure_scope.install.sql",
    ),
    "lending.customer_scope, group members": (
        SimpleNamespace(
            install_sql=lambda: customer_scope.install_sql(customer_scope.MEMBER_TABLES)
        ),
        "lending/migrations/sql/0018_group_member_scope.install.sql",
    ),
    "lending.collateral_customer": (
        collateral_customer,
        "lending/migrations/sql/0014_collateral_customer.install.sql",
    ),
    "risk.exposure": (exposure, "risk/migrations/sql/0035_group_exposure_marks.install.sql"),
    "risk.provision_scope": (
        provision_scope,
        "risk/migrations/sql/0034_provision_scope.install.sql",
    ),
}


def _migrations() -> list[Path]:
    return sorted(BASE_DIR.glob("*/migrations/0*.py"))


@pytest.mark.parametrize(
    "migration", _migrations(), ids=lambda path: f"{path.parts[-3]}/{path.stem}"
)
def test_a_migration_calls_no_code_that_moves_on(migration):
    tree = ast.parse(migration.read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            imported.add(node.module)
        elif isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
    project = {name for name in imported if name.split(".")[0] in PROJECT_PACKAGES}
    assert project <= set(ALLOWED_IMPORTS), (
        f"{migration} imports {sorted(project - set(ALLOWED_IMPORTS))}: freeze what it needs "
        "as text beside it (migrations/sql/, migrations/data/)"
    )


def test_every_frozen_file_is_read_by_its_migration():
    frozen = sorted(BASE_DIR.glob("*/migrations/sql/*.sql")) + sorted(
        BASE_DIR.glob("*/migrations/data/*")
    )
    assert frozen
    for path in frozen:
        migration = path.parent.parent / (path.name.split(".")[0] + ".py")
        assert migration.exists(), f"{path} belongs to no migration"


def _words(sql: str) -> list[str]:
    return re.split(r"\s+", sql.strip())


@pytest.mark.parametrize("module", LATEST_INSTALL)
def test_the_triggers_the_code_generates_are_those_the_latest_migration_installed(module):
    generator, frozen = LATEST_INSTALL[module]
    installed = (BASE_DIR / frozen).read_text()
    # Layout aside (white space), the same SQL: otherwise existing databases still run the old
    # triggers. Add a migration that installs the new SQL (frozen) and name it here.
    assert _words(generator.install_sql()) == _words(installed), (
        f"{module}.install_sql() changed since {frozen}: add a migration that installs it"
    )
