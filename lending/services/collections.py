# ruff: noqa: S608 -- the SQL here is built from this module's constants, never from input.
"""Collections (催收, issue 24 part 1): the nightly step that opens, moves and closes the cases,
and the collectors' writes (assigning a case, recording a contact attempt, a promise to pay).

The nightly step is set-based, one statement per chunk of customer ids: it finds every active
loan of the range past due on the business date (its oldest unpaid instalment of the current
schedule, as the risk nightly counts it) with the amount overdue and the stage its days fall
in; closes the open cases of loans no longer past due (cured, repaid or written off); moves
the others to the stage their days reach and keeps their amount and date current; opens a
case for a past-due loan without one; settles the promises whose outcome is known (kept when
the payments from the day it was made reach the amount, broken when its date has passed
without); and writes an audit row for each case opened, moved or closed. Every write is
conditional on the value changing and the open case is unique per loan, so a rerun, or a
redelivered chunk, writes nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_log, snapshot
from customers.models import Direction, Interaction
from lending import policies
from lending.collection_models import (
    CaseStatus,
    CollectionCase,
    CollectionContact,
    ContactResult,
    PromiseToPay,
)

CASE_TYPE = "lending.collectioncase"

NIGHTLY_STEP = f"""
-- Probed per active loan (the unpaid instalments' index, by loan and due date): joined, the
-- planner took a loan's unpaid instalments and those fallen due as independent, expected a
-- third of the book's instalments and read them all for every range (2 s a range at
-- 1,000,000 loans, where the past-due ones are 96,000).
WITH past_due AS (
    SELECT l.id AS loan_id, l.customer_id, u.oldest, u.amount
    FROM credit_loan l
    CROSS JOIN LATERAL (
        SELECT min(i.due_date) AS oldest,
               sum(i.principal_due + i.interest_due - i.principal_paid - i.interest_paid)
                   AS amount
        FROM credit_instalment i
        WHERE i.loan_id = l.id AND i.schedule_version = l.schedule_version
          AND NOT i.superseded AND i.settled_on IS NULL AND i.due_date < %(on)s
        HAVING count(*) > 0
    ) u
    WHERE l.customer_id BETWEEN %(first)s AND %(last)s AND l.status = 'active'
),
wanted AS (
    SELECT p.*,
           (SELECT s.id FROM lending_collectionstage s
            WHERE s.from_days <= %(on)s::date - p.oldest
            ORDER BY s.from_days DESC LIMIT 1) AS stage_id
    FROM past_due p
),
open_cases AS (
    SELECT c.* FROM lending_collectioncase c
    WHERE c.customer_id BETWEEN %(first)s AND %(last)s AND c.status = 'open'
),
closed AS (
    UPDATE lending_collectioncase c
    SET status = 'closed', closed_on = %(on)s,
        close_reason = CASE l.status WHEN 'written_off' THEN 'written_off'
                                     WHEN 'closed' THEN 'repaid' ELSE 'cured' END
    FROM open_cases o JOIN credit_loan l ON l.id = o.loan_id
    WHERE c.id = o.id
      AND NOT EXISTS (SELECT 1 FROM wanted w WHERE w.loan_id = o.loan_id AND w.stage_id IS NOT NULL)
    RETURNING c.id, c.close_reason, o.stage_id
),
moved AS (
    UPDATE lending_collectioncase c
    SET stage_id = w.stage_id,
        stage_since = CASE WHEN o.stage_id = w.stage_id THEN o.stage_since ELSE %(on)s END,
        overdue_since = w.oldest, amount_overdue = w.amount
    FROM open_cases o JOIN wanted w ON w.loan_id = o.loan_id AND w.stage_id IS NOT NULL
    WHERE c.id = o.id
      AND (o.stage_id, o.overdue_since, o.amount_overdue)
          IS DISTINCT FROM (w.stage_id, w.oldest, w.amount)
    RETURNING c.id, o.stage_id AS stage_before, c.stage_id
),
opened AS (
    INSERT INTO lending_collectioncase (loan_id, customer_id, stage_id, status, close_reason,
                                        opened_on, stage_since, overdue_since, amount_overdue)
    SELECT w.loan_id, w.customer_id, w.stage_id, 'open', '', %(on)s, %(on)s, w.oldest, w.amount
    FROM wanted w
    WHERE w.stage_id IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM open_cases o WHERE o.loan_id = w.loan_id)
    ON CONFLICT (loan_id) WHERE status = 'open' DO NOTHING
    RETURNING id, stage_id
),
settled AS (
    UPDATE lending_promisetopay p
    SET status = CASE WHEN x.paid >= x.amount THEN 'kept' ELSE 'broken' END
    FROM (
        SELECT q.id, q.amount, q.promised_on,
               (SELECT coalesce(sum(r.amount), 0) FROM credit_repayment r
                WHERE r.loan_id = c.loan_id AND r.reversed_at IS NULL
                  AND r.paid_on BETWEEN q.made_on AND q.promised_on) AS paid
        FROM lending_promisetopay q
        JOIN lending_collectioncase c ON c.id = q.case_id
        WHERE c.customer_id BETWEEN %(first)s AND %(last)s AND q.status = 'open'
    ) x
    WHERE p.id = x.id AND (x.paid >= x.amount OR x.promised_on < %(on)s)
    RETURNING p.id
),
audited AS (
    INSERT INTO audit_auditevent (created_at, action, object_type, object_id, object_label,
                                  before, after)
    SELECT %(now)s, 'lending.collection_case.' || e.event, '{CASE_TYPE}', e.id::text, '',
           e.before, e.after
    FROM (
        SELECT id, 'opened' AS event, NULL::jsonb AS before,
               jsonb_build_object('stage', stage_id) AS after FROM opened
        UNION ALL
        SELECT id, 'stage_changed', jsonb_build_object('stage', stage_before),
               jsonb_build_object('stage', stage_id) FROM moved WHERE stage_before <> stage_id
        UNION ALL
        SELECT id, 'closed', jsonb_build_object('status', 'open', 'stage', stage_id),
               jsonb_build_object('status', 'closed', 'close_reason', close_reason) FROM closed
    ) e
    RETURNING 1
)
SELECT (SELECT count(*) FROM opened), (SELECT count(*) FROM moved),
       (SELECT count(*) FROM closed), (SELECT count(*) FROM settled),
       (SELECT count(*) FROM audited)
"""


@transaction.atomic
def collection_cases_refresh(*, first_id: int, last_id: int, on: dt.date) -> dict[str, int]:
    """The nightly step over the customers first_id..last_id on business date `on` (one
    statement; see the module's docstring). Returns what it wrote."""
    with connection.cursor() as cursor:
        cursor.execute(
            NIGHTLY_STEP, {"first": first_id, "last": last_id, "on": on, "now": timezone.now()}
        )
        opened, moved, closed, promises, _audited = cursor.fetchone()
    return {
        "cases_opened": opened,
        "cases_updated": moved,
        "cases_closed": closed,
        "promises_settled": promises,
    }


def _locked_open_case(case: CollectionCase) -> CollectionCase:
    locked = CollectionCase.objects.select_for_update().select_related("loan").get(pk=case.pk)
    if locked.status != CaseStatus.OPEN:
        raise ValidationError(_("This case is closed: the loan is no longer past due."))
    return locked


@transaction.atomic
def collection_case_assign(*, actor, case: CollectionCase, collector) -> CollectionCase:
    """A manager hands the case to a collector (any active user)."""
    if not policies.may_assign_collections(actor):
        raise PermissionDenied
    case = _locked_open_case(case)
    if collector is not None and not collector.is_active:
        raise ValidationError({"collector": _("Choose an active user.")})
    before = snapshot(case, ["collector_id"])
    if case.collector_id == (collector.pk if collector else None):
        return case
    case.collector = collector
    case.save(update_fields=["collector"])
    audit_log(
        actor=actor,
        action="lending.collection_case.assigned",
        obj=case,
        before=before,
        after=snapshot(case, ["collector_id"]),
    )
    return case


@transaction.atomic
def collection_contact_record(
    *,
    actor,
    case: CollectionCase,
    channel: str,
    result: str,
    summary: str,
    promise_amount: Decimal | None = None,
    promise_date: dt.date | None = None,
    on: dt.date,
) -> CollectionContact:
    """A contact attempt on the case, with its result: a customer interaction (on the
    customer's timeline) and the case's contact; a "promised" result records the promise to
    pay (amount and date) in the same transaction."""
    if not policies.may_work_collection_case(actor, case):
        raise PermissionDenied
    case = _locked_open_case(case)
    if result not in ContactResult.values:
        raise ValidationError({"result": _("Choose a result.")})
    if result == ContactResult.PROMISED:
        errors = {}
        if promise_amount is None or promise_amount <= 0:
            errors["promise_amount"] = _("Say how much the customer promised to pay.")
        if promise_date is None:
            errors["promise_date"] = _("Say by when the customer promised to pay.")
        elif promise_date < on:
            errors["promise_date"] = _("A promise to pay is for today or later.")
        if errors:
            raise ValidationError(errors)
    result_label = ContactResult(result).label
    interaction = Interaction(
        customer_id=case.customer_id,
        officer=actor,
        channel=channel,
        direction=Direction.OUTBOUND,
        summary=summary.strip() or str(result_label),
        # The result is kept as its code on the contact and named in the reader's language
        # where it is shown; the interaction's outcome stays for what the officer types.
        outcome="",
    )
    interaction.full_clean()
    interaction.save()
    contact = CollectionContact.objects.create(case=case, interaction=interaction, result=result)
    audit_log(
        actor=actor,
        action="customers.interaction.logged",
        obj=interaction,
        after=snapshot(interaction, ["customer_id", "channel", "direction", "outcome"]),
    )
    audit_log(
        actor=actor,
        action="lending.collection_case.contact_recorded",
        obj=case,
        after={"result": result, "interaction": interaction.pk},
    )
    if result == ContactResult.PROMISED:
        promise = PromiseToPay.objects.create(
            case=case,
            amount=promise_amount,
            promised_on=promise_date,
            made_on=on,
            recorded_by=actor,
        )
        audit_log(
            actor=actor,
            action="lending.collection_case.promise_recorded",
            obj=case,
            after=snapshot(promise, ["amount", "promised_on", "made_on"]),
        )
    return contact
