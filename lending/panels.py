"""The credit section of the customer 360 page: grade and score history (credit.panels),
loans with their days past due, open applications."""

from django.db.models import OuterRef, Subquery

from core.business_date import business_date
from credit.panels import scoring_summary
from customers import panels
from lending import facilities, selectors
from lending.facility_models import LIVE_STATUSES
from lending.models import Instalment
from lending.policies import decides_applications, may_prepare_application, may_propose_facility
from lending.stages import OPEN_APPLICATION_STATUSES


def _oldest_unpaid_due(on) -> Subquery:
    """selectors.loans_with_dpd's oldest unpaid date of the current schedule, as a column of
    the loans' own read: one query fewer for the page."""
    return Subquery(
        Instalment.objects.filter(
            loan=OuterRef("pk"),
            settled_on__isnull=True,
            superseded=False,
            due_date__lt=on,
            schedule_version=OuterRef("schedule_version"),
        )
        .order_by("due_date")
        .values("due_date")[:1]
    )


def credit_panel(customer, user) -> tuple[str, dict]:
    on = business_date()
    scoring = scoring_summary(customer)
    # Only what the lists show, the whole loan, product and application rows cost more to
    # read; and the customer, which the related manager sets on each row.
    loans = (
        customer.loans.select_related("product")
        .only("customer_id", "outstanding_principal", "status", "product__name")
        .annotate(oldest_unpaid=_oldest_unpaid_due(on))
        .order_by("-disbursed_on")
    )
    applications = (
        customer.applications.select_related("product")
        .only("customer_id", "amount", "status", "product__name")
        .filter(status__in=OPEN_APPLICATION_STATUSES)
    )
    return "lending/customer_panel.html", {
        **scoring,
        "loans": [
            (loan, (on - loan.oldest_unpaid).days if loan.oldest_unpaid else 0) for loan in loans
        ],
        "open_applications": list(applications),
        "can_work_credit": may_prepare_application(user),
    }


def decisions_today_panel(user) -> tuple[str, dict]:
    """The Today page's decision queue for those who decide applications (no query for
    the others): what waits for review or a decision in their scope, oldest first."""
    if not decides_applications(user):
        return "lending/today_decisions.html", {"shown": False}
    return "lending/today_decisions.html", {"shown": True, **selectors.decisions_waiting_for(user)}


def facilities_panel(customer, user) -> tuple[str, dict]:
    """The customer's credit facilities on the 360 page, with limit, utilisation, available,
    status on the business date, expiry and review date (one query, which the exposure panel
    shares)."""
    on = business_date()
    return "lending/facility_panel.html", {
        "facilities": [
            (
                facility,
                facility.status_label_on(on),
                facility.review_date < on and facility.status_on(on) in LIVE_STATUSES,
            )
            for facility in panels.shared(customer, facilities.facilities_of)
        ],
        "can_propose": may_propose_facility(user),
    }
