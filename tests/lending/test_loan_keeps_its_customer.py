# ruff: noqa: F811 (fixtures imported for pytest are the parameters of the tests below)
"""A loan never changes its debtor: a bank transfers a debt by a new contract with the new
debtor. PostgreSQL refuses to move a loan to another customer whoever writes it (lending 0019),
so what is filed under the loan's customer (its risk row, its provision, its scope) stays
right."""

import pytest
from django.db import IntegrityError, transaction

from lending.models import Loan
from tests.customers import factories
from tests.lending.conftest import (  # noqa: F401 - fixtures
    approved,
    consumer_product,
    draft,
    graded_customer,
    loan,
    on_business_date,
    submitted,
    under_review,
)


def _refused(move) -> IntegrityError:
    with pytest.raises(IntegrityError) as refusal, transaction.atomic():
        move()
    return refusal.value


def test_a_loan_cannot_move_to_another_customer(alice, charlie, loan):
    borrower = loan.customer_id
    other = factories.individual(charlie, name="南方客户")

    refusal = _refused(lambda: Loan.objects.filter(pk=loan.pk).update(customer=other))
    assert f"loan {loan.pk} is customer {borrower}'s and cannot move to customer {other.pk}" in (
        str(refusal)
    )
    assert refusal.__cause__.diag.constraint_name == "loan_keeps_its_customer"
    assert "a transfer of the debt is a new loan" in refusal.__cause__.diag.message_hint

    # Through the model as well: save() writes every column.
    loan.refresh_from_db()
    loan.customer = other
    _refused(loan.save)

    assert Loan.objects.values_list("customer", "customer_officer", "customer_branch").get(
        pk=loan.pk
    ) == (borrower, alice.pk, alice.branch_id)


def test_a_loan_saved_with_its_own_customer_is_not_refused(loan):
    """Every save() writes the customer column: only a change of customer is refused."""
    loan.refresh_from_db()
    loan.external_ref = "CORE-0001"
    loan.save()
    Loan.objects.filter(pk=loan.pk).update(customer=loan.customer_id)
    assert Loan.objects.get(pk=loan.pk).external_ref == "CORE-0001"
