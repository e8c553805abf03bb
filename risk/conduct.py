"""Conduct alerts: operational-risk alerts whose subject is a member of staff.

The customer forms and the import refuse an identifier that another customer holds with the
same answer whoever holds it (customers.services.DuplicateIdentifier), so that the answer
does not tell who banks where; but any refusal still says that someone does. One person
trying many identifiers held by customers they cannot see is finding out who banks here, so
the customers app hands every attempt to this hook (customers.hooks) and, past
DUPLICATE_ATTEMPTS_ALERT_AFTER such customers in one day, the person's manager gets an alert.

- Counted: the distinct customers outside the person's own scope whose identifiers they
  tried (their own and, for a manager, their branch's customers are refused as well, but
  they could look those up; the same customer tried again counts once), on the bank's
  calendar day (TIME_ZONE) of the attempts.
- Raised once per person and day (a unique constraint, so two attempts crossing the
  threshold at once raise one), audited, mailed to the reviewers once it commits, and shown
  on their Today page until one of them closes it with what they found (audited too).
- Reviewed by the managers of the person's branch other than the person, and by head office
  (risk officers and admins), who see every branch's; mailed to head office's risk officers
  when the branch has no other manager (to its admins when there is no other risk officer).
  The person it is about never sees it: to them, as to
  every officer, the page is out of role (403) whichever alert it is.

The alert does not reuse risk.Alert, whose subject, scope (the customer's officer and
branch) and workflow are a customer's: an alert about alice on a customer would be shown to
that customer's officer.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.mail import send_staff_mail
from accounts.models import Role, User
from accounts.scope import scope_q
from audit.services import audit_change, audit_log, snapshot
from customers.models import DuplicateAttempt
from risk.models import ConductAlert, ConductAlertKind, ConductAlertStatus
from risk.policies import may_close_conduct_alert, may_review_conduct

# The most open conduct alerts the Today panel lists, newest day first.
PANEL_SIZE = 20


# --- The hook ------------------------------------------------------------------------------------


def duplicate_attempts_watch(attempts: list[DuplicateAttempt]) -> None:
    """customers.hooks: after attempts are recorded, in their transaction. Counts, for each
    person and day among them, the customers outside the person's scope whose identifiers
    they tried that day; past the setting, raises the day's conduct alert. The count runs
    for every attempt, in scope or not, so the answer to an attempt on the user's own
    customer takes the same time as any other."""
    for user_id, day in sorted({(attempt.attempted_by_id, attempt.day) for attempt in attempts}):
        # Distinct customers: submitting the same walk-in's form again is not probing.
        count = (
            DuplicateAttempt.objects.filter(attempted_by_id=user_id, day=day, in_scope=False)
            .values("customer_id")
            .distinct()
            .count()
        )
        if count > settings.DUPLICATE_ATTEMPTS_ALERT_AFTER:
            _duplicate_probing_raise(user_id=user_id, day=day, identifiers=count)


def _duplicate_probing_raise(*, user_id: int, day, identifiers: int) -> ConductAlert:
    user = User.objects.select_related("branch").get(pk=user_id)
    alert, created = ConductAlert.objects.get_or_create(
        kind=ConductAlertKind.DUPLICATE_PROBING,
        user=user,
        day=day,
        defaults={"branch_id": user.branch_id, "identifiers": identifiers},
    )
    if not created:
        # The day's alert stands; its tally follows the attempts that came after it.
        ConductAlert.objects.filter(pk=alert.pk, identifiers__lt=identifiers).update(
            identifiers=identifiers
        )
        return alert
    audit_log(
        actor=None,
        action="risk.conduct_alert.raised",
        obj=alert,
        after={
            "kind": alert.kind,
            "user": user.username,
            "day": day,
            "identifiers": identifiers,
        },
    )
    transaction.on_commit(lambda: conduct_alert_mail(alert.pk), robust=True)
    return alert


# --- Who reviews, and the scoped reads ------------------------------------------------------------


def conduct_reviewers(alert: ConductAlert) -> list[User]:
    """Who is told: the active managers of the person's branch but the person; without one,
    head office's risk officers (its admins, when the person is the only risk officer)."""
    managers = list(
        User.objects.filter(role=Role.MANAGER, is_active=True, branch_id=alert.branch_id)
        .exclude(pk=alert.user_id)
        .order_by("id")
    )
    if managers and alert.branch_id is not None:
        return managers
    head_office = User.objects.filter(is_active=True).exclude(pk=alert.user_id).order_by("id")
    return list(head_office.filter(role=Role.RISK_OFFICER)) or list(
        head_office.filter(role=Role.ADMIN)
    )


def conduct_alerts_for(user: User) -> QuerySet[ConductAlert]:
    """The conduct alerts `user` may see: a manager their branch's, head office every
    branch's; never one about themselves, and none for an officer."""
    if not may_review_conduct(user):
        return ConductAlert.objects.none()
    return (
        ConductAlert.objects.filter(scope_q(user, officer_field="user", branch_field="branch"))
        .exclude(user=user)
        .select_related("user", "branch", "closed_by")
    )


def conduct_alert_get_for(user: User, pk) -> ConductAlert:
    """The one access check of the conduct alert page: out of role is a 403 for any alert
    (officers, the person it is about among them, learn nothing from it); out of scope or
    missing is a 404."""
    if not may_review_conduct(user):
        raise PermissionDenied
    try:
        return conduct_alerts_for(user).get(pk=pk)
    except (ConductAlert.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def open_conduct_alerts_for(user: User) -> list[ConductAlert] | None:
    """The Today panel's rows; None for a role that never reviews (no query)."""
    if not may_review_conduct(user):
        return None
    return list(
        conduct_alerts_for(user)
        .filter(status=ConductAlertStatus.OPEN)
        .order_by("-day", "-id")[:PANEL_SIZE]
    )


# --- Closing -------------------------------------------------------------------------------------

CLOSE_FIELDS = ["status", "closed_by_id", "closed_at", "close_note"]


@transaction.atomic
def conduct_alert_close(*, actor: User, alert: ConductAlert, note: str) -> ConductAlert:
    """A reviewer closes the alert with what they found (asked the person, a branch event,
    a walk-in family...). Closed once: a second close is refused naming who closed it."""
    if not may_close_conduct_alert(actor, alert):
        raise PermissionDenied
    if not note.strip():
        raise ValidationError({"note": _("Say what you found.")})
    locked = ConductAlert.objects.select_for_update().get(pk=alert.pk)
    if locked.status != ConductAlertStatus.OPEN:
        raise ValidationError(
            _("%(someone)s already closed this alert.") % {"someone": locked.closed_by}
        )
    before = snapshot(locked, CLOSE_FIELDS)
    locked.status = ConductAlertStatus.CLOSED
    locked.closed_by = actor
    locked.closed_at = timezone.now()
    locked.close_note = note.strip()
    locked.save(update_fields=["status", "closed_by", "closed_at", "close_note"])
    audit_change(
        actor=actor,
        action="risk.conduct_alert.closed",
        obj=locked,
        before=before,
        after=snapshot(locked, CLOSE_FIELDS),
    )
    return locked


# --- Mail ----------------------------------------------------------------------------------------


def conduct_alert_mail(alert_id: int) -> None:
    """Tells the reviewers, each in their own language, once the alert has committed."""
    alert = ConductAlert.objects.select_related("user", "branch").filter(pk=alert_id).first()
    if alert is None:
        return
    for reviewer in conduct_reviewers(alert):
        with translation.override(reviewer.language or settings.LANGUAGE_CODE):
            body = _(
                "%(person)s (%(branch)s) tried on %(day)s to register %(identifiers)s identifiers "
                "that customers outside their scope hold. Each was refused without saying "
                "whose it was. Find out why, and close the alert with what you found:\n%(url)s"
            ) % {
                "person": alert.user,
                "branch": alert.branch or _("head office"),
                "day": alert.day.isoformat(),
                "identifiers": alert.identifiers,
                "url": reverse("risk:conduct-alert", args=[alert.pk]),
            }
            send_staff_mail(reviewer, _("Conduct alert"), body)
