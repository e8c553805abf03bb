"""Writes of the risk app: the alert workflow, escalation, classification overrides (with
their maker-checker proposals) and manual signals. Every change is audited."""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from audit.services import audit_change, audit_log, snapshot
from core.business_date import business_date
from customers import services as customer_services
from customers.models import Interaction
from lending.policies import may_freeze_facility
from lending.services import facilities as facility_services
from risk import classification, notifications, selectors
from risk.models import (
    ACTIVE_ALERT_STATUSES,
    Alert,
    AlertAction,
    AlertEvent,
    AlertStatus,
    ClassificationProposal,
    HistoryKind,
    LoanClass,
    LoanRisk,
    ManualSignal,
    ProposalStatus,
    ResponseAction,
    RiskHistory,
)
from risk.policies import (
    ALERT_ASSIGNEE_ROLES,
    may_acknowledge_alert,
    may_assign_alert,
    may_decide_class_proposal,
    may_override_class,
    may_raise_signal,
    may_withdraw_class_proposal,
    may_work_alerts,
)


def _locked(alert: Alert) -> Alert:
    return Alert.objects.select_for_update().select_related("customer").get(pk=alert.pk)


def _move(
    alert: Alert, *, actor: User, to: str, expected: tuple[str, ...], fields: dict | None = None
) -> Alert:
    if not may_work_alerts(actor):
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
    if not may_acknowledge_alert(actor, alert):
        raise PermissionDenied
    return _move(
        alert,
        actor=actor,
        to=AlertStatus.ACKNOWLEDGED,
        expected=(AlertStatus.OPEN,),
        fields={"acknowledged_at": timezone.now()},
    )


@transaction.atomic
def alerts_acknowledge(*, actor: User, alerts: list[Alert]) -> list[Alert]:
    """Several alerts acknowledged at once, each as alert_acknowledge does it (audited one by
    one), all or none: one that cannot be acknowledged refuses the lot, naming it."""
    acknowledged = []
    # In id order, so two people acknowledging overlapping selections lock in one order.
    for alert in sorted(alerts, key=lambda alert: alert.pk):
        try:
            acknowledged.append(alert_acknowledge(actor=actor, alert=alert))
        except ValidationError as error:
            raise ValidationError(
                {
                    "alerts": _("%(alert)s: %(reason)s")
                    % {"alert": alert_label(alert), "reason": " ".join(error.messages)}
                }
            ) from error
    return acknowledged


def alert_label(alert: Alert) -> str:
    """How a message names an alert: its rule and customer."""
    return f"{_(alert.rule.name)} · {alert.customer.name}"


@transaction.atomic
def alert_assign(*, actor: User, alert: Alert, assignee: User | None, note: str) -> Alert:
    """Gives the alert to another person who works alerts and may see this one (its
    customer's officer, a manager of its branch, a risk officer), with a note for them, which
    they are mailed; the alert's history keeps the step, the audit trail the change."""
    locked = _locked(alert)
    if not may_assign_alert(actor, locked):
        raise PermissionDenied
    if not locked.is_active:
        raise ValidationError(
            _("This alert is %(status)s; it can no longer be assigned.")
            % {"status": locked.get_status_display()}
        )
    if assignee is None:
        raise ValidationError({"assignee": _("Choose who takes the alert.")})
    if (
        assignee.role not in ALERT_ASSIGNEE_ROLES
        or not assignee.is_active
        or not selectors.alert_visible_to(assignee, locked)
    ):
        raise ValidationError(
            {
                "assignee": _(
                    "%(person)s may not take this alert: choose its customer's officer, a "
                    "manager of its branch or a risk officer."
                )
                % {"person": assignee}
            }
        )
    if assignee.pk == locked.assignee_id:
        raise ValidationError(
            {"assignee": _("The alert is already assigned to %(person)s.") % {"person": assignee}}
        )
    if not note.strip():
        raise ValidationError(
            {"note": _("Say what the alert needs from them: the note goes with it.")}
        )
    before = snapshot(locked, ["assignee_id"])
    locked.assignee = assignee
    locked.save(update_fields=["assignee"])
    AlertAction.objects.create(
        alert=locked,
        action=AlertEvent.ASSIGNED,
        note=note.strip(),
        taken_by=actor,
        assigned_to=assignee,
    )
    audit_change(
        actor=actor,
        action="risk.alert.assigned",
        obj=locked,
        before=before,
        after=snapshot(locked, ["assignee_id"]),
    )
    if assignee.pk != actor.pk:
        # Mailed once the assignment is committed: one rolled back tells nobody anything.
        # Whoever takes an alert themselves knows already.
        transaction.on_commit(
            partial(
                notifications.alert_assigned,
                locked.pk,
                assignee_id=assignee.pk,
                assigned_by_id=actor.pk,
                note=note.strip(),
            )
        )
    return locked


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
    """A response to the alert, tied to the call or visit (interaction) that carried it.
    "Freeze the limit" freezes every active credit facility of the customer in the same
    transaction (each audited by lending); a manager other than `actor` lifts each freeze."""
    if not may_work_alerts(actor):
        raise PermissionDenied
    if not note.strip():
        raise ValidationError({"note": _("Describe what was done.")})
    for linked in (interaction, follow_up):
        if linked is not None and linked.customer_id != alert.customer_id:
            raise ValidationError(_("Link only this customer's interactions and follow-ups."))
    if action == ResponseAction.FREEZE_LIMIT:
        # Each facility's freeze is audited on the facility, its reason naming this alert.
        _freeze_limits(actor=actor, alert=alert, note=note)
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


def _freeze_limits(*, actor: User, alert: Alert, note: str) -> list:
    """The response "freeze the limit": the customer's active facilities frozen with the
    response's note as the reason. Refused next to the response when the actor may not
    freeze a facility or the customer has none active (the response is then not recorded)."""
    if not may_freeze_facility(actor):
        raise ValidationError(
            {
                "action": _(
                    "You may not freeze a credit facility: ask the customer's officer or a "
                    "manager of the branch."
                )
            }
        )
    frozen = facility_services.facilities_freeze_for_customer(
        actor=actor,
        customer=alert.customer,
        reason=_("Early-warning response to %(alert)s: %(note)s")
        % {"alert": alert_label(alert), "note": note.strip()},
    )
    if not frozen:
        raise ValidationError(
            {"action": _("This customer has no active credit facility to freeze.")}
        )
    return frozen


@transaction.atomic
def alert_respond(
    *,
    actor: User,
    alert: Alert,
    action: str,
    note: str,
    channel: str = "",
    interaction: Interaction | None = None,
) -> AlertAction:
    """The alert page's response: with a contact `channel` the call or visit is logged as
    the customer's interaction and the response carries it; otherwise the response links the
    logged `interaction` given, if any. Both or neither are recorded."""
    if channel:
        interaction = customer_services.interaction_log(
            actor=actor,
            interaction=Interaction(
                customer=alert.customer,
                channel=channel,
                summary=f"{alert.rule.name}: {note}",
                outcome=str(dict(ResponseAction.choices).get(action, action)),
            ),
        )
    return alert_record_action(
        actor=actor, alert=alert, action=action, note=note, interaction=interaction
    )


@transaction.atomic
def alert_resolve(*, actor: User, alert: Alert, resolution: str) -> Alert:
    if not resolution.strip():
        raise ValidationError({"resolution": _("Say how the alert was resolved.")})
    # A response, not an event of the alert's history (a step, an assignment).
    if not alert.actions.filter(action__in=ResponseAction.values).exists():
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
    admin where the branch has none); each is escalated once for its deadline. An
    acknowledged alert that climbs its ladder is open again with a new deadline, and is
    escalated again if not acknowledged by it (risk.recompute.SCAN)."""
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
    locked so two managers overriding at once apply one after the other. Every override
    step takes this lock first (then the proposal's), so they never wait on each other in
    opposite orders."""
    LoanRisk.objects.get_or_create(
        loan_id=loan_risk.loan_id, defaults={"customer_id": loan_risk.customer_id}
    )
    # Only the risk row is locked, not the loan joined to it (servicing locks loans).
    return (
        LoanRisk.objects.select_for_update(of=("self",))
        .select_related("loan")
        .get(pk=loan_risk.loan_id)
    )


OVERRIDE_FIELDS = ["override_class", "override_reason", "override_until", "final_class"]
PROPOSAL_FIELDS = ["loan_risk_id", "loan_class", "reason", "until", "class_before", "status"]


def _end_error(until: dt.date | None, on: dt.date) -> str | None:
    """What is wrong with an override's end, if anything: required, after the business
    date, at most OVERRIDE_MAX_MONTHS ahead."""
    latest = classification.override_latest_end(on)
    if until is None:
        return _("Give the date the override ends, by %(latest)s at the latest.") % {
            "latest": latest.isoformat()
        }
    if until <= on:
        return _("The override must end after the business date (%(day)s).") % {
            "day": on.isoformat()
        }
    if until > latest:
        return _(
            "An override lasts at most %(months)s months: it must end by %(latest)s. "
            "Loans are classified again every quarter; renew it then if it still holds."
        ) % {"months": classification.OVERRIDE_MAX_MONTHS, "latest": latest.isoformat()}
    return None


def _floor_error(floor: selectors.Floor) -> str:
    return _(
        "%(floor)s is the regulatory floor of this loan (%(dpd)s days past due): an override "
        "cannot put it in a better class."
    ) % {"floor": floor.label, "dpd": floor.dpd}


def _apply_override(
    locked: LoanRisk,
    *,
    actor: User,
    proposer: User,
    loan_class: int | None,
    reason: str,
    until: dt.date | None,
    final_class: int,
) -> None:
    """Writes the override (or its end) and the class it gives, with the class's history
    row and the audit row. `actor` made it happen, `proposer` asked for it."""
    before = snapshot(locked, OVERRIDE_FIELDS)
    old_class = locked.final_class
    locked.override_class = loan_class
    locked.override_reason = reason if loan_class is not None else ""
    locked.override_until = until
    locked.override_by = proposer if loan_class is not None else None
    locked.final_class = final_class
    locked.save(
        update_fields=[
            "override_class",
            "override_reason",
            "override_until",
            "override_by",
            "final_class",
        ]
    )
    if old_class != final_class:
        RiskHistory.objects.create(
            kind=HistoryKind.CLASSIFICATION,
            customer_id=locked.customer_id,
            loan_id=locked.loan_id,
            changed_on=business_date(),
            old_value=str(old_class),
            new_value=str(final_class),
        )
    after = snapshot(locked, OVERRIDE_FIELDS)
    if loan_class is None:
        after["end_reason"] = reason  # the override's own reason is gone with it
    audit_change(
        actor=actor,
        action="risk.classification.overridden"
        if loan_class is not None
        else "risk.classification.override_cleared",
        obj=locked,
        before=before,
        after=after,
    )


def _propose(
    locked: LoanRisk,
    *,
    actor: User,
    loan_class: int | None,
    reason: str,
    until: dt.date | None,
) -> ClassificationProposal:
    """A change that lowers the recorded risk waits for a second person. One proposal
    waits per loan; the same proposal sent again (a double submit) is the one waiting."""
    waiting = locked.proposals.filter(status=ProposalStatus.PENDING).first()
    if waiting is not None:
        if (waiting.proposed_by_id, waiting.loan_class, waiting.until, waiting.reason) == (
            actor.pk,
            loan_class,
            until,
            reason,
        ):
            return waiting
        raise ValidationError(
            _(
                "%(name)s proposed a change of this loan's class on %(day)s and it waits for "
                "approval: withdraw it or have it decided first."
            )
            % {
                "name": waiting.proposed_by.get_full_name() or waiting.proposed_by.username,
                "day": timezone.localtime(waiting.proposed_at).date().isoformat(),
            }
        )
    proposal = ClassificationProposal.objects.create(
        loan_risk=locked,
        loan_class=loan_class,
        reason=reason,
        until=until,
        class_before=locked.final_class,
        proposed_by=actor,
    )
    audit_log(
        actor=actor,
        action="risk.classification.override_proposed",
        obj=proposal,
        after=snapshot(proposal, PROPOSAL_FIELDS),
    )
    return proposal


@transaction.atomic
def classification_override(
    *, actor: User, loan_risk: LoanRisk, loan_class: int, reason: str, until: dt.date | None
) -> ClassificationProposal | None:
    """A manager or risk officer sets the class by hand, with a reason and an end within
    OVERRIDE_MAX_MONTHS, never below the regulatory floor (risk.classification). A class at
    least as bad as the recorded one raises the risk and takes effect at once; a better one
    lowers it and becomes a proposal another person approves (returned; None when the
    override took effect)."""
    if not may_override_class(actor):
        raise PermissionDenied
    reason = reason.strip()
    on = business_date()
    errors = {}
    if not reason:
        errors["reason"] = _("Give the reason for the override.")
    if loan_class not in LoanClass.values:
        errors["loan_class"] = _("Choose a class.")
    end_error = _end_error(until, on)
    if end_error:
        errors["until"] = end_error
    if errors:
        raise ValidationError(errors)
    locked = _loan_risk_locked(loan_risk)
    floor = selectors.classification_floor(locked, on)
    if loan_class < floor.loan_class:
        raise ValidationError({"loan_class": _floor_error(floor)})
    if loan_class < locked.final_class:
        return _propose(locked, actor=actor, loan_class=loan_class, reason=reason, until=until)
    if (locked.override_class, locked.override_reason, locked.override_until) == (
        loan_class,
        reason,
        until,
    ):
        return None  # the same override sent again: it is in force already
    _apply_override(
        locked,
        actor=actor,
        proposer=actor,
        loan_class=loan_class,
        reason=reason,
        until=until,
        final_class=loan_class,
    )
    return None


@transaction.atomic
def classification_override_clear(
    *, actor: User, loan_risk: LoanRisk, reason: str
) -> ClassificationProposal | None:
    """Ends an override before its date. When the override holds the loan in a worse class
    than the rules give, ending it lowers the recorded risk: a proposal another person
    approves (returned). Otherwise it ends at once (None)."""
    if not may_override_class(actor):
        raise PermissionDenied
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for ending the override.")})
    locked = _loan_risk_locked(loan_risk)
    if locked.override_class is None:
        raise ValidationError(_("This loan has no override to end."))
    floor = selectors.classification_floor(locked, business_date())
    if floor.loan_class < locked.final_class:
        return _propose(locked, actor=actor, loan_class=None, reason=reason, until=None)
    _apply_override(
        locked,
        actor=actor,
        proposer=actor,
        loan_class=None,
        reason=reason,
        until=None,
        final_class=floor.loan_class,
    )
    return None


def _proposal_locked(proposal: ClassificationProposal) -> tuple[LoanRisk, ClassificationProposal]:
    """The loan's risk row, then the proposal, locked in the order every override step
    takes them; two decisions at once go one after the other, and the second finds the
    proposal decided."""
    locked_risk = (
        LoanRisk.objects.select_for_update(of=("self",))
        .select_related("loan")
        .get(pk=proposal.loan_risk_id)
    )
    locked = (
        ClassificationProposal.objects.select_for_update(of=("self",))
        .select_related("proposed_by", "decided_by")
        .get(pk=proposal.pk)
    )
    if not locked.is_pending:
        raise ValidationError(
            _("This proposal is no longer waiting: %(status)s by %(name)s on %(day)s.")
            % {
                "status": locked.get_status_display(),
                "name": locked.decided_by.get_full_name() or locked.decided_by.username,
                "day": timezone.localtime(locked.decided_at).date().isoformat(),
            }
        )
    return locked_risk, locked


def _decide(locked: ClassificationProposal, *, actor: User, status: str) -> None:
    locked.status = status
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    audit_change(
        actor=actor,
        action=f"risk.classification.override_{status}",
        obj=locked,
        before={"status": ProposalStatus.PENDING},
        after=snapshot(locked, ["status", "decided_by_id"]),
    )


@transaction.atomic
def classification_proposal_approve(
    *, actor: User, proposal: ClassificationProposal
) -> ClassificationProposal:
    """The second person approves: the proposal takes effect now, if the floor and the
    end still allow it (the days past due may have grown while it waited)."""
    if not may_override_class(actor):
        raise PermissionDenied
    locked_risk, locked = _proposal_locked(proposal)
    # Maker-checker, checked on the locked row.
    if not may_decide_class_proposal(actor, locked):
        raise PermissionDenied
    on = business_date()
    floor = selectors.classification_floor(locked_risk, on)
    if locked.loan_class is None:
        if locked_risk.override_class is None:
            raise ValidationError(_("The override has ended already: reject the proposal."))
        final_class = floor.loan_class
    else:
        if locked.until <= on:
            raise ValidationError(
                _("The proposed override would have ended on %(day)s: reject it.")
                % {"day": locked.until.isoformat()}
            )
        if locked.loan_class < floor.loan_class:
            raise ValidationError(_floor_error(floor))
        final_class = locked.loan_class
    _apply_override(
        locked_risk,
        actor=actor,
        proposer=locked.proposed_by,
        loan_class=locked.loan_class,
        reason=locked.reason,
        until=locked.until,
        final_class=final_class,
    )
    _decide(locked, actor=actor, status=ProposalStatus.APPROVED)
    return locked


@transaction.atomic
def classification_proposal_reject(
    *, actor: User, proposal: ClassificationProposal
) -> ClassificationProposal:
    if not may_override_class(actor):
        raise PermissionDenied
    _locked_risk, locked = _proposal_locked(proposal)
    if not may_decide_class_proposal(actor, locked):
        raise PermissionDenied  # the proposer withdraws instead
    _decide(locked, actor=actor, status=ProposalStatus.REJECTED)
    return locked


@transaction.atomic
def classification_proposal_withdraw(
    *, actor: User, proposal: ClassificationProposal
) -> ClassificationProposal:
    if not may_withdraw_class_proposal(actor, proposal):
        raise PermissionDenied
    _locked_risk, locked = _proposal_locked(proposal)
    _decide(locked, actor=actor, status=ProposalStatus.WITHDRAWN)
    return locked


@transaction.atomic
def signal_raise(*, actor: User, signal: ManualSignal) -> ManualSignal:
    if not may_raise_signal(actor):
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
    if not may_raise_signal(actor):
        raise PermissionDenied
    if ManualSignal.objects.filter(pk=signal.pk, active=True).update(active=False):
        audit_log(actor=actor, action="risk.signal.withdrawn", obj=signal)
    signal.active = False
    return signal
