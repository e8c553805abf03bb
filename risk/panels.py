"""The risk sections of the customer 360 and Today pages."""

from risk import selectors, services
from risk.conduct import open_conduct_alerts_for
from risk.models import ACTIVE_ALERT_STATUSES, RiskLevelStrategy


def customer_panel(customer, user) -> tuple[str, dict]:
    return "risk/customer_panel.html", {
        "strategy": RiskLevelStrategy.objects.filter(risk_level=customer.risk_level).first(),
        "alerts": list(
            customer.alerts.filter(status__in=ACTIVE_ALERT_STATUSES)
            .select_related("rule")
            .order_by("-raised_at")[:10]
        ),
        "loan_risks": list(
            customer.loan_risks.select_related("loan").filter(loan__status="active")
        ),
        "history": list(customer.risk_history.order_by("-changed_on", "-id")[:12]),
        "signals": list(customer.signals.filter(active=True)),
        "can_signal": user.role in ("officer", "manager", "risk_officer"),
        "can_override": services.can_override(user),
    }


def today_panel(user) -> tuple[str, dict]:
    return "risk/today_panel.html", {"alerts": selectors.my_open_alerts(user)}


def conduct_today_panel(user) -> tuple[str, dict]:
    """Open conduct alerts for those who review them (nothing, and no query, for others)."""
    return "risk/conduct_today_panel.html", {"conduct_alerts": open_conduct_alerts_for(user)}
