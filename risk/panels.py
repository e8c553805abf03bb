"""The risk sections of the customer 360 and Today pages."""

from dataclasses import dataclass

from django.db.models import Case, Count, Exists, When, Window
from django.urls import reverse

from accounts.templatetags.reference import localized
from core.links import pk_url
from lending.models import Loan, LoanStatus
from risk import policies, selectors
from risk.conduct import open_conduct_alerts_for
from risk.models import (
    ACTIVE_ALERT_STATUSES,
    Alert,
    AlertStatus,
    LoanRisk,
    ManualSignal,
    RiskHistory,
    RiskLevelStrategy,
    Severity,
)
from risk.selectors import SEVERITY_ORDER


def customer_panel(customer, user) -> tuple[str, dict]:
    # Each section reads its table by the customer's id: a related manager
    # (customer.risk_history) is built anew on each access and costs more than the filter.
    open_alerts = Alert.objects.filter(customer_id=customer.pk, status__in=ACTIVE_ALERT_STATUSES)
    active_signals = ManualSignal.objects.filter(customer_id=customer.pk, active=True)
    history = RiskHistory.objects.filter(customer_id=customer.pk).order_by("-changed_on", "-id")
    # Whether the customer has open alerts and active signals comes with their level's
    # strategy (an EXISTS on each table's customer index): most customers have neither, and
    # those sections then cost no query. A level without a strategy row tells nothing.
    strategy = (
        RiskLevelStrategy.objects.filter(risk_level=customer.risk_level)
        .annotate(has_open_alerts=Exists(open_alerts), has_active_signals=Exists(active_signals))
        .first()
    )
    may_have_alerts = strategy is None or strategy.has_open_alerts
    may_have_signals = strategy is None or strategy.has_active_signals
    return "risk/customer_panel.html", {
        "strategy": strategy,
        **(
            _worst_open_alerts(open_alerts) if may_have_alerts else {"alerts": [], "alert_count": 0}
        ),
        "loan_classes": _loan_classes(customer),
        "history": list(history[:12]),
        "signals": list(active_signals) if may_have_signals else [],
        "can_signal": policies.may_raise_signal(user),
        "can_override": policies.may_override_class(user),
    }


# The customer's open alerts the 360 lists: with one alert per indicator (the ladder) a
# customer rarely has more; the count says how many there are.
PANEL_ALERTS = 10


def _worst_first(alert: Alert) -> tuple:
    return (SEVERITY_ORDER.get(alert.severity, len(SEVERITY_ORDER)), alert.raised_at, alert.pk)


def _worst_open_alerts(open_alerts) -> dict:
    """The customer's open alerts grouped as the alert list groups them: worst severity
    first, then oldest; and how many there are."""
    open_alerts = open_alerts.select_related("rule")
    # Nearly always the customer has no more open alerts than the panel lists: they are read
    # unordered (one more than the panel lists tells when there are more) and sorted here, as
    # the alert list sorts them. The database orders by severity (a CASE, costly to compile)
    # only to pick the worst of more, counting them all in the same query.
    alerts = list(open_alerts.order_by()[: PANEL_ALERTS + 1])
    if len(alerts) <= PANEL_ALERTS:
        return {"alerts": sorted(alerts, key=_worst_first), "alert_count": len(alerts)}
    worst_severity_first = Case(
        *(When(severity=severity, then=rank) for severity, rank in SEVERITY_ORDER.items()),
        default=len(SEVERITY_ORDER),
    )
    alerts = list(
        open_alerts.annotate(open_in_all=Window(Count("id"))).order_by(
            worst_severity_first, "raised_at", "id"
        )[:PANEL_ALERTS]
    )
    return {"alerts": alerts, "alert_count": alerts[0].open_in_all if alerts else 0}


@dataclass(frozen=True)
class LoanClassRow:
    url: str
    account_number: str
    loan_class: str
    overridden: bool


def _loan_classes(customer) -> list[LoanClassRow]:
    """The five-tier class of each of the customer's active loans. Only the loan's id is
    shown (its account number is made from it): the loan's row is joined for its status
    only, and the rows are read as values, not model instances."""
    class_labels = dict(LoanRisk._meta.get_field("final_class").flatchoices)
    return [
        LoanClassRow(
            url=reverse("lending:loan-detail", args=[loan_id]),
            account_number=Loan(pk=loan_id).account_number,
            loan_class=class_labels.get(final_class, final_class),
            overridden=bool(override_class),
        )
        for loan_id, final_class, override_class in LoanRisk.objects.filter(
            customer_id=customer.pk, loan__status=LoanStatus.ACTIVE
        ).values_list("loan_id", "final_class", "override_class")
    ]


def today_panel(user) -> tuple[str, dict]:
    """The user's most urgent alerts, and the true number of their open alerts (the list
    shows the first few; the count and its link, all of them)."""
    return "risk/today_panel.html", {
        "alerts": _today_rows(selectors.my_open_alerts(user), user),
        "total": selectors.open_alert_count(user),
    }


def _today_rows(alerts: list[Alert], user) -> list[dict]:
    """What each of the panel's alerts shows. Built here, not per row in the template, where
    a row took a reverse, an include and two choice lookups: the links come from one
    reverse, the labels are translated once per page."""
    detail_url = pk_url("risk:alert-detail")
    severities = {value: str(label) for value, label in Severity.choices}
    statuses = {value: str(label) for value, label in AlertStatus.choices}
    return [
        {
            "url": detail_url(alert.pk),
            "severity": alert.severity,
            "severity_label": severities.get(alert.severity, alert.severity),
            "rule": localized(alert.rule.name),
            "customer_name": alert.customer.name,
            "value": alert.shown_value(),
            "status": statuses.get(alert.status, alert.status),
            "escalated_to_user": alert.escalated_to_id == user.pk,
        }
        for alert in alerts
    ]


def conduct_today_panel(user) -> tuple[str, dict]:
    """Open conduct alerts for those who review them (nothing, and no query, for others)."""
    return "risk/conduct_today_panel.html", {"conduct_alerts": open_conduct_alerts_for(user)}
