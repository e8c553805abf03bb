"""The credit section of the customer 360 page: grade and score history (credit.panels),
loans with their days past due, open applications."""

from credit.panels import scoring_summary
from credit.services import can_work_credit
from lending import selectors
from lending.models import OPEN_APPLICATION_STATUSES


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
        "can_work_credit": can_work_credit(user),
    }
