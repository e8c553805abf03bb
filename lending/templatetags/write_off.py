"""The loan page's write-off section: the link to propose a loss-class loan's write-off (the
page it leads to says whether the conditions hold, and why not), the proposal waiting, or,
for a written-off loan, its off-balance-sheet record."""

from django import template

from lending import loan_quality, policies
from lending.models import LoanStatus, ProposalStatus

register = template.Library()


@register.inclusion_tag("lending/loan_write_off.html", takes_context=True)
def loan_write_off(context, loan) -> dict:
    user = context["request"].user
    if loan.status == LoanStatus.WRITTEN_OFF:
        # One query, only for a written-off loan: its live record.
        return {"loan": loan, "record": loan.write_offs.filter(reversed_on__isnull=True).first()}
    # The class rides along with the loan (lending.selectors.loan_get_for): no query for a
    # loan outside the loss class, nor for a user who may not propose.
    loan_risk = getattr(loan, "risk", None)
    in_loss = loan_risk is not None and loan_risk.final_class == loan_quality.LOSS
    if loan.status != LoanStatus.ACTIVE or not in_loss:
        return {"loan": loan, "shown": False}
    return {
        "loan": loan,
        "shown": True,
        "can_propose": policies.may_propose_write_off(user),
        "pending": loan.write_off_proposals.filter(status=ProposalStatus.PENDING)
        .select_related("proposed_by")
        .first(),
    }
