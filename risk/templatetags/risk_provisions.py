"""The loan page's provisions section, owned by the risk app: the loan's stage with its
reasons, its ECL and PRC reserve, and every input they came from; the same for the undrawn
amount of a facility with no loan drawn, on the facility page."""

from django import template

from core.business_date import business_date
from risk import policies, provision_selectors
from risk.provision_models import (
    FacilityProvision,
    ProvisionSetting,
    Stage,
)

register = template.Library()


@register.inclusion_tag("risk/loan_provision.html")
def loan_provision(loan) -> dict:
    # The loan's stored figures (the nightly keeps them; none for a loan that left the book
    # or that the nightly has not reached yet). They ride along with the loan on its page
    # (lending.selectors.loan_page_get_for); one query otherwise (after a step refused).
    return {"loan": loan, "provision": getattr(loan, "provision", None)}


@register.inclusion_tag("risk/facility_provision.html")
def facility_provision(facility) -> dict:
    # One query: the facility's stored figures while nothing is drawn on it (once a loan is,
    # the loan's provision carries its undrawn amount).
    return {
        "facility": facility,
        "provision": FacilityProvision.objects.filter(facility=facility).first(),
    }


@register.inclusion_tag("risk/provision_cards.html", takes_context=True)
def provision_cards(context, branch=None) -> dict:
    """The dashboard's provision cards, for those who read provisions (no query for others):
    the figures as the page already holds them (the dashboard keeps them with its activity
    figures) or two queries to sum them, and one for the setting in force (the minimums)."""
    user = context["request"].user
    if not policies.may_see_provisions(user):
        return {"shown": False}
    summary = context.get("provision_summary")
    return {
        "shown": True,
        "summary": summary or provision_selectors.provision_summary(user, branch),
        "setting": ProvisionSetting.in_force(business_date()),
        "stage_labels": dict(Stage.choices),
        # The drill-downs keep the dashboard's branch filter.
        "branch_query": f"branch={branch.pk}" if branch is not None else "",
    }
