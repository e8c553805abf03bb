"""Writes of the risk app: the alert workflow, escalation, classification overrides and
manual signals. Every change is audited."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from audit.services import audit_change, audit_log, snapshot
from credit.business_date import business_date
from customers.models import Interaction
from risk.models import (
    ACTIVE_ALERT_STATUSES,
    Alert,
    AlertAction,
    AlertStatus,
    LoanClass,
    LoanRisk,
    ManualSignal,
)


def can_work_alerts(user: User) -> bool:
    return user.role in {Role.OFFICER, Role.MANAGER, Role.RISK_OFFICER, Role.ADMIN}


def can_override(user: User) -> bool:
    return user.role in {Role.MANAGER, Role.RISK_OFFICER}


def _locked(alert: Alert) -> Alert:
    return Alert.objects.select_for_update().select_related("customer").get(pk=alert.pk)


def _move(
    alert: Alert, *, actor: User, to: str, expected: tuple[str, ...], fields: dict | None = None
) -> Alert:
    if not can_work_alerts(actor):
        raise PermissionDenied
    locked = _locked(alert)
    if locked.status not in expected:
        raise ValidationError(
            _("This alert is %(status)s; that step is not possible.")
            % {"status": locked.get_status_display()}
        )
    before = snapshot(locked, ["status", "close_reason"])
    locked.status = to
    for name, value in (fields or {}).items():
        setattr(locked, name, value)
    locked.save()
    audit_change(
        actor=actor,
        action=f"risk.alert.{to}",
        obj=locked,
        before=before,
        after=snapshot(locked, ["status", "close_reason"]),
    )
    return locked


@transaction.atomic
def alert_acknowledge(*, actor: User, alert: Alert) -> Alert:
    return _move(
        alert,
        actor=actor,
        to=AlertStatus.ACKNOWLEDGED,
        expected=(AlertStatus.OPEN,),
        fields={"acknowledged_at": timezone.now()},
    )


@transaction.atomic
def alert_start(*, actor: User, alert: Alert) -> Alert:
    fields = {} if alert.acknowledged_at else {"acknowledged_at": timezone.now()}
    return _move(
        alert,
        actor=actor,
        to=AlertStatus.IN_PROGRESS,
        expected=(AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED),
        fields=fields,
    )


@transaction.atomic
def alert_record_action(
    *,
    actor: User,
    alert: Alert,
    action: str,
    note: str,
    interaction: Interaction | None = None,
    follow_up=None,
) -> AlertAction:
    """A response to the alert, tied to the call or visit (interaction) that carried it."""
    if not can_work_alerts(actor):
        raise PermissionDenied
    if not note.strip():
        raise ValidationError({"note": _("Describe what was done.")})
    for linked in (interaction, follow_up):
        if linked is not None and linked.customer_id != alert.customer_id:
            raise ValidationError(_("Link only this customer's interactions and follow-ups."))
    record = AlertAction.objects.create(
        alert=alert,
        action=action,
        note=note.strip(),
        interaction=interaction,
        follow_up=follow_up,
        taken_by=actor,
    )
    audit_log(
        actor=actor,
        action="risk.alert.action_recorded",
        obj=alert,
        after={"action": action, "interaction": getattr(interaction, "pk", None)},
    )
    if alert.status in (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED):
        alert_start(actor=actor, alert=alert)
    return record


@transaction.atomic
def alert_resolve(*, actor: User, alert: Alert, resolution: str) -> Alert:
    if not resolution.strip():
        raise ValidationError({"resolution": _("Say how the alert was resolved.")})
    if not alert.actions.exists():
        raise ValidationError(_("Record the response first (a call, a visit, a measure)."))
    now = timezone.now()
    return _move(
        alert,
        actor=actor,
        to=AlertStatus.RESOLVED,
        expected=tuple(ACTIVE_ALERT_STATUSES),
        fields={
            "closed_at": now,
            "close_reason": resolution.strip(),
            "acknowledged_at": alert.acknowledged_at or now,
        },
    )


@transaction.atomic
def alert_dismiss(*, actor: User, alert: Alert, reason: str) -> Alert:
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for dismissing the alert.")})
    now = timezone.now()
    return _move(
        alert,
        actor=actor,
        to=AlertStatus.DISMISSED,
        expected=tuple(ACTIVE_ALERT_STATUSES),
        fields={
            "closed_at": now,
            "close_reason": reason.strip(),
            "acknowledged_at": alert.acknowledged_at or now,
        },
    )


def alerts_escalate_overdue(now: dt.datetime | None = None) -> int:
    """Alerts still open past their SLA go to the manager of the customer's branch (or an
    admin where the branch has none); each is escalated once."""
    from risk import notifications

    now = now or timezone.now()
    escalated = []
    with transaction.atomic():
        overdue = (
            Alert.objects.select_for_update(skip_locked=True)
            .filter(status=AlertStatus.OPEN, sla_due_at__lt=now, escalated_at__isnull=True)
            .select_related("customer")
        )
        managers = {}
        for alert in overdue:
            branch = alert.customer.branch_id
            if branch not in managers:
                managers[branch] = (
                    User.objects.filter(role=Role.MANAGER, branch_id=branch, is_active=True)
                    .order_by("id")
                    .first()
                    or User.objects.filter(role=Role.ADMIN, is_active=True).order_by("id").first()
                )
            manager = managers[branch]
            if manager is None:
                continue
            # Conditional update: a second escalation run at the same time changes nothing.
            if Alert.objects.filter(pk=alert.pk, escalated_at__isnull=True).update(
                escalated_at=now, escalated_to=manager
            ):
                audit_log(
                    actor=None,
                    action="risk.alert.escalated",
                    obj=alert,
                    after={"to": manager.username},
                )
                escalated.append(alert.pk)
        if escalated:
            transaction.on_commit(lambda: notifications.alerts_escalated(escalated))
    return len(escalated)


def _loan_risk_locked(loan_risk: LoanRisk) -> LoanRisk:
    """The row, created on the first override of a loan the nightly job has not seen yet,
    locked so two managers overriding at once apply one after the other."""
    LoanRisk.objects.get_or_create(
        loan_id=loan_risk.loan_id, defaults={"customer_id": loan_risk.customer_id}
    )
    return LoanRisk.objects.select_for_update().get(pk=loan_risk.loan_id)


@transaction.atomic
def classification_override(
    *, actor: User, loan_risk: LoanRisk, loan_class: int, reason: str, until: dt.date | None
) -> LoanRisk:
    """A manager or risk officer sets the class by hand: upward freely, downward only with
    a reason (always required here); it lasts until it expires. The automatic class stays
    computed beside it."""
    if not can_override(actor):
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the override.")})
    if loan_class not in LoanClass.values:
        raise ValidationError({"loan_class": _("Choose a class.")})
    if until is not None and until < business_date():
        raise ValidationError({"until": _("The expiry cannot be in the past.")})
    locked = _loan_risk_locked(loan_risk)
    before = snapshot(
        locked, ["override_class", "override_reason", "override_until", "final_class"]
    )
    old_class = locked.final_class
    locked.override_class = loan_class
    locked.override_reason = reason.strip()
    locked.override_until = until
    locked.override_by = actor
    locked.final_class = loan_class
    locked.save()
    if old_class != loan_class:
        from risk.models import RiskHistory

        RiskHistory.objects.create(
            kind="classification",
            customer_id=locked.customer_id,
            loan_id=locked.loan_id,
            changed_on=business_date(),
            old_value=str(old_class),
            new_value=str(loan_class),
        )
    audit_change(
        actor=actor,
        action="risk.classification.overridden",
        obj=locked,
        before=before,
        after=snapshot(
            locked, ["override_class", "override_reason", "override_until", "final_class"]
        ),
    )
    return locked


@transaction.atomic
def classification_override_clear(*, actor: User, loan_risk: LoanRisk) -> LoanRisk:
    if not can_override(actor):
        raise PermissionDenied
    locked = _loan_risk_locked(loan_risk)
    before = snapshot(locked, ["override_class", "final_class"])
    locked.override_class = None
    locked.override_until = None
    locked.override_reason = ""
    locked.final_class = locked.automatic_class
    locked.save()
    audit_change(
        actor=actor,
        action="risk.classification.override_cleared",
        obj=locked,
        before=before,
        after=snapshot(locked, ["override_class", "final_class"]),
    )
    return locked


@transaction.atomic
def signal_raise(*, actor: User, signal: ManualSignal) -> ManualSignal:
    if actor.role not in {Role.OFFICER, Role.MANAGER, Role.RISK_OFFICER}:
        raise PermissionDenied
    signal.raised_by = actor
    signal.full_clean()
    signal.save()
    audit_log(
        actor=actor,
        action="risk.signal.raised",
        obj=signal,
        after={"customer": signal.customer_id, "kind": signal.kind},
    )
    return signal


@transaction.atomic
def signal_withdraw(*, actor: User, signal: ManualSignal) -> ManualSignal:
    if actor.role not in {Role.OFFICER, Role.MANAGER, Role.RISK_OFFICER}:
        raise PermissionDenied
    if ManualSignal.objects.filter(pk=signal.pk, active=True).update(active=False):
        audit_log(actor=actor, action="risk.signal.withdrawn", obj=signal)
    signal.active = False
    return signal
