"""The credit section of the customer 360 page: grade and score history (credit.panels),
loans with their days past due, open applications."""

from credit.panels import scoring_summary
from lending import selectors
from lending.policies import decides_applications, may_prepare_application
from lending.stages import OPEN_APPLICATION_STATUSES


def credit_panel(customer, user) -> tuple[str, dict]:
    scoring = scoring_summary(customer)
    loans = list(customer.loans.select_related("product").order_by("-disbursed_on"))
    applications = list(
        customer.applications.select_related("product").filter(status__in=OPEN_APPLICATION_STATUSES)
    )
    return "lending/customer_panel.html", {
        **scoring,
        "loans": selectors.loans_with_dpd(loans),
        "open_applications": applications,
        "can_work_credit": may_prepare_application(user),
    }


def decisions_today_panel(user) -> tuple[str, dict]:
    """The Today page's decision queue for those who decide applications (no query for
    the others): what waits for review or a decision in their scope, oldest first."""
    if not decides_applications(user):
        return "lending/today_decisions.html", {"shown": False}
    return "lending/today_decisions.html", {"shown": True, **selectors.decisions_waiting_for(user)}
