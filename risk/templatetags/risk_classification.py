"""The loan page's five-tier classification section, owned by the risk app: the class, the
override, the proposal waiting for approval and the steps the user may take on it."""

from django import template

from risk import policies, selectors

register = template.Library()


@register.inclusion_tag("risk/loan_classification.html", takes_context=True)
def loan_classification(context, loan) -> dict:
    user = context["request"].user
    # The risk row rides along with the loan (lending.selectors.loan_page_get_for and
    # loan_get_for; read again once after a refresh_from_db): one query for the proposal
    # waiting on it, none for a loan the nightly has not classified yet.
    risk = getattr(loan, "risk", None)
    pending = selectors.classification_proposal_pending(risk) if risk is not None else None
    return {
        "loan": loan,
        "risk": risk,
        "pending": pending,
        "can_override": policies.may_override_class(user),
        "can_decide": pending is not None and policies.may_decide_class_proposal(user, pending),
        "can_withdraw": pending is not None and policies.may_withdraw_class_proposal(user, pending),
    }
