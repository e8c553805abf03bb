"""The house's floors hold: the contracts in .importlinter (a lower floor never imports a
higher one, the pure modules import no Django, no app imports the wiring or the tooling) are
kept, and every app of the product stands on a floor of them."""

import configparser
import subprocess
import sys
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS = ROOT / ".importlinter"


def test_the_import_contracts_are_kept():
    # The console script of the interpreter running the suite; the cache would be written to
    # the checkout, and a fresh graph of the product takes about a second.
    lint_imports = Path(sys.executable).with_name("lint-imports")
    checked = subprocess.run(
        [lint_imports, "--no-cache", "--no-logo", str(CONTRACTS)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "0 broken" in checked.stdout


def test_every_package_of_the_product_is_checked_and_every_app_stands_on_a_floor():
    """A new package left out of the contracts, or an app left out of the floors, would
    import anything unchecked."""
    contracts = configparser.ConfigParser()
    contracts.read(CONTRACTS)
    floors = contracts["importlinter:contract:floors"]["layers"].split()
    roots = contracts["importlinter"]["root_packages"].split()
    packages = {path.parent.name for path in ROOT.glob("*/__init__.py")} - {"tests"}
    assert set(roots) == packages
    product_apps = {
        config.name for config in apps.get_app_configs() if Path(config.path).parent == ROOT
    }
    # core is the ground floor without being an app: no models, no templates.
    assert set(floors) == product_apps | {"core"}
