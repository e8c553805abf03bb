# ruff: noqa: F811 (fixtures imported for pytest are the parameters of the tests below)
"""The database refuses a loan risk or a provision that the nightly could never have written
(risk 0037): days past due or overdue instalments below zero, a class outside the five tiers,
a stage outside the three, an expected credit loss below zero. Whoever writes it (admin, SQL,
a future path) is stopped at the row, and the row stays as it was. The nightly's own rows all
pass: every test of the nightly writes them under these constraints."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from lending.models import LoanClass
from risk.models import FacilityProvision, LoanProvision, LoanRisk
from tests.lending.conftest import consumer_product  # noqa: F401 - fixture
from tests.risk.test_facility_provisions import customer, facility, today  # noqa: F401 - fixture
from tests.risk.test_facility_provisions import nightly as facility_nightly
from tests.risk.test_provisions import NIGHT, book, nightly  # noqa: F401 - fixture

# An override always has an end (loanrisk_override_has_an_end): the refused class comes with one.
OVERRIDE_ENDS = dt.date(2025, 3, 31)

LOAN_RISK_REFUSED = {
    "negative days past due": ({"dpd": -1}, "loanrisk_dpd_not_negative"),
    "negative overdue instalments": (
        {"overdue_instalments": -1},
        "loanrisk_overdue_instalments_not_negative",
    ),
    "automatic class below normal": ({"automatic_class": 0}, "loanrisk_classes_of_the_five_tiers"),
    "final class past loss": ({"final_class": 6}, "loanrisk_classes_of_the_five_tiers"),
    "override past loss": (
        {"override_class": 6, "override_until": OVERRIDE_ENDS},
        "loanrisk_classes_of_the_five_tiers",
    ),
}

# Loan and undrawn facility provisions alike, by the suffix of their constraints' names.
PROVISION_REFUSED = {
    "stage 0": ({"stage": 0}, "stage_of_the_three"),
    "stage 4": ({"stage": 4}, "stage_of_the_three"),
    "class below normal": ({"loan_class": 0}, "class_of_the_five_tiers"),
    "class past loss": ({"loan_class": 6}, "class_of_the_five_tiers"),
    "negative days past due": ({"dpd": -1}, "dpd_not_negative"),
    "an expected loss below zero": ({"ecl": Decimal("-0.01")}, "ecl_not_negative"),
}


def _assert_refused(rows, changes: dict, constraint: str) -> None:
    before = list(rows.values())
    with pytest.raises(IntegrityError) as refusal, transaction.atomic():
        rows.update(**changes)
    assert refusal.value.__cause__.diag.constraint_name == constraint
    assert list(rows.values()) == before


@pytest.mark.parametrize(
    ("changes", "constraint"), LOAN_RISK_REFUSED.values(), ids=LOAN_RISK_REFUSED.keys()
)
def test_a_loan_risk_the_nightly_could_not_write_is_refused(book, changes, constraint):
    nightly(NIGHT)
    _assert_refused(LoanRisk.objects.filter(loan=book[3]), changes, constraint)


@pytest.mark.parametrize(
    ("changes", "constraint"), PROVISION_REFUSED.values(), ids=PROVISION_REFUSED.keys()
)
def test_a_loan_provision_the_nightly_could_not_write_is_refused(book, changes, constraint):
    nightly(NIGHT)
    _assert_refused(LoanProvision.objects.filter(loan=book[3]), changes, f"provision_{constraint}")


@pytest.mark.parametrize(
    ("changes", "constraint"), PROVISION_REFUSED.values(), ids=PROVISION_REFUSED.keys()
)
def test_an_undrawn_facility_provision_the_nightly_could_not_write_is_refused(
    facility, today, changes, constraint
):
    facility_nightly(today)
    _assert_refused(
        FacilityProvision.objects.filter(facility=facility),
        changes,
        f"facility_provision_{constraint}",
    )


# Not a value too many refused: nothing past due, the best and the worst class, the first and
# the last stage, no expected loss at all.
ENDS = {
    "best": (LoanClass.NORMAL, 1),
    "worst": (LoanClass.LOSS, 3),
}


@pytest.mark.parametrize(("loan_class", "stage"), ENDS.values(), ids=ENDS.keys())
def test_the_ends_of_each_range_are_accepted_for_a_loan(book, loan_class, stage):
    nightly(NIGHT)
    LoanRisk.objects.filter(loan=book[3]).update(
        dpd=0,
        overdue_instalments=0,
        automatic_class=loan_class,
        final_class=loan_class,
        override_class=loan_class,
        override_until=OVERRIDE_ENDS,
    )
    LoanProvision.objects.filter(loan=book[3]).update(
        stage=stage, loan_class=loan_class, dpd=0, ecl=Decimal(0)
    )
    assert LoanRisk.objects.values_list("dpd", "final_class").get(loan=book[3]) == (0, loan_class)
    assert LoanProvision.objects.values_list("stage", "ecl").get(loan=book[3]) == (stage, 0)


@pytest.mark.parametrize(("loan_class", "stage"), ENDS.values(), ids=ENDS.keys())
def test_the_ends_of_each_range_are_accepted_for_an_undrawn_facility(
    facility, today, loan_class, stage
):
    facility_nightly(today)
    FacilityProvision.objects.filter(facility=facility).update(
        stage=stage, loan_class=loan_class, dpd=0, ecl=Decimal(0)
    )
    assert FacilityProvision.objects.values_list("stage", "loan_class", "ecl").get(
        facility=facility
    ) == (stage, loan_class, 0)
