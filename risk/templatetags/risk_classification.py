"""The loan page's five-tier classification section, owned by the risk app: the class, the
override, the proposal waiting for approval and the steps the user may take on it."""

from django import template

from risk import policies, selectors

register = template.Library()


@register.inclusion_tag("risk/loan_classification.html", takes_context=True)
def loan_classification(context, loan) -> dict:
    user = context["request"].user
    # One query, as the section made before proposals existed (the loan page's count).
    risk = selectors.loan_classification(loan)
    # Django sets a filtered relation's attribute only when a row matched.
    pending = getattr(risk, "pending", None)
    return {
        "loan": loan,
        "risk": risk,
        "pending": pending,
        "can_override": policies.may_override_class(user),
        "can_decide": pending is not None and policies.may_decide_class_proposal(user, pending),
        "can_withdraw": pending is not None and policies.may_withdraw_class_proposal(user, pending),
    }
