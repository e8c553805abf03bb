"""The risk sections of the customer 360 and Today pages."""

from django.db.models import Case, When

from risk import policies, selectors
from risk.conduct import open_conduct_alerts_for
from risk.models import ACTIVE_ALERT_STATUSES, RiskLevelStrategy
from risk.selectors import SEVERITY_ORDER


def customer_panel(customer, user) -> tuple[str, dict]:
    return "risk/customer_panel.html", {
        "strategy": RiskLevelStrategy.objects.filter(risk_level=customer.risk_level).first(),
        **_open_alerts(customer),
        "loan_risks": list(
            customer.loan_risks.select_related("loan").filter(loan__status="active")
        ),
        "history": list(customer.risk_history.order_by("-changed_on", "-id")[:12]),
        "signals": list(customer.signals.filter(active=True)),
        "can_signal": policies.may_raise_signal(user),
        "can_override": policies.may_override_class(user),
    }


# The customer's open alerts the 360 lists: with one alert per indicator (the ladder) a
# customer rarely has more; the count says how many there are.
PANEL_ALERTS = 10


def _open_alerts(customer) -> dict:
    """The customer's open alerts grouped as the alert list groups them: worst severity
    first, then oldest; and how many there are (counted only when the list is full)."""
    worst_first = Case(
        *(When(severity=severity, then=rank) for severity, rank in SEVERITY_ORDER.items()),
        default=len(SEVERITY_ORDER),
    )
    alerts = list(
        customer.alerts.filter(status__in=ACTIVE_ALERT_STATUSES)
        .select_related("rule")
        .order_by(worst_first, "raised_at", "id")[:PANEL_ALERTS]
    )
    count = len(alerts)
    if count == PANEL_ALERTS:
        count = customer.alerts.filter(status__in=ACTIVE_ALERT_STATUSES).count()
    return {"alerts": alerts, "alert_count": count}


def today_panel(user) -> tuple[str, dict]:
    """The user's most urgent alerts, and the true number of their open alerts (the list
    shows the first few; the count and its link, all of them)."""
    return "risk/today_panel.html", {
        "alerts": selectors.my_open_alerts(user),
        "total": selectors.open_alert_count(user),
    }


def conduct_today_panel(user) -> tuple[str, dict]:
    """Open conduct alerts for those who review them (nothing, and no query, for others)."""
    return "risk/conduct_today_panel.html", {"conduct_alerts": open_conduct_alerts_for(user)}
