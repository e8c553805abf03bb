import pytest
from django.core.management import call_command

from credit.models import Assessment
from lending.models import Application, Loan, Repayment, RestructuringProposal
from lending.selectors import loans_with_dpd


@pytest.mark.django_db
def test_seed_demo_builds_a_credit_book_once(settings):
    settings.DEBUG = True
    call_command("seed_demo", "--customers", "24", "--seed", "3")
    counts = (
        Assessment.objects.count(),
        Application.objects.count(),
        Loan.objects.count(),
        Repayment.objects.count(),
    )
    # One assessment per customer by their officer; the demo's closing risk run adds
    # refreshed ones where the repayment record moved since.
    assert Assessment.objects.filter(assessed_by__isnull=False).count() == 24
    assert counts[2] >= 8 and counts[3] > 0
    statuses = set(Application.objects.values_list("status", flat=True))
    assert {"disbursed", "under_review"} <= statuses
    dpds = [dpd for _loan, dpd in loans_with_dpd(list(Loan.objects.all()))]
    assert min(dpds) == 0 and max(dpds) > 90
    # Restructured through four eyes: proposed by the officer, approved by another person.
    approved = list(
        RestructuringProposal.objects.filter(status="approved").values_list(
            "proposed_by", "decided_by", "restructuring__loan__restructure_count"
        )
    )
    assert approved and all(
        proposer != approver and count == 1 for proposer, approver, count in approved
    )
    assert Loan.objects.filter(restructure_count__gt=0).count() == len(approved)
    assert RestructuringProposal.objects.filter(status="pending").count() <= 1
    call_command("seed_demo", "--customers", "24", "--seed", "3")
    assert (
        Assessment.objects.count(),
        Application.objects.count(),
        Loan.objects.count(),
        Repayment.objects.count(),
    ) == counts
    for loan in Loan.objects.all():
        rows = loan.instalments.filter(schedule_version=loan.schedule_version, superseded=False)
        if not loan.restructure_count:
            assert sum(row.principal_due for row in rows) == loan.principal
