"""The nightly recompute in SQL agrees with the pure rules, writes only changes, and is safe
to run twice, in parallel, and with failing chunks."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lending import services as lending_services
from risk import classification, jobs
from risk.models import Alert, JobChunk, JobRun, JobRunner, LoanRisk, RiskHistory
from risk.recompute import NIGHTLY_LOCK_NAMESPACE, process_chunk
from tests.risk.conftest import disbursed_loan


def run(on):
    result = jobs.run_synchronously(jobs.NIGHTLY, on)
    assert result.status == "done", result.failures
    return result


@pytest.mark.parametrize(
    ("on", "dpd"),
    [
        (dt.date(2025, 2, 10), 0),
        (dt.date(2025, 2, 11), 1),
        (dt.date(2025, 5, 11), 90),
        (dt.date(2025, 5, 12), 91),
        (dt.date(2025, 11, 7), 270),
        (dt.date(2025, 11, 8), 271),
        (dt.date(2026, 2, 5), 360),
        (dt.date(2026, 2, 6), 361),
    ],
)
def test_sql_classification_matches_the_rules_at_every_boundary(risky_loan, on, dpd):
    run(on)
    state = LoanRisk.objects.get(loan=risky_loan)
    assert state.dpd == dpd
    assert state.final_class == classification.classify_loan(dpd=dpd, on=on)


def test_a_second_run_with_nothing_changed_writes_nothing(risky_loan):
    first = run(dt.date(2025, 6, 1))
    assert first.counts["class_changes"] == 1
    history = RiskHistory.objects.count()
    alerts = list(Alert.objects.values_list("id", "value", "last_seen_at", "status"))
    second = run(dt.date(2025, 6, 1))
    assert not second.full
    written = {k: v for k, v in second.counts.items() if v and k != "customers_examined"}
    assert written == {}
    # Nothing changed and the date did not move: nobody is looked at again.
    assert second.counts["customers_examined"] == 0
    assert RiskHistory.objects.count() == history
    assert list(Alert.objects.values_list("id", "value", "last_seen_at", "status")) == alerts


def test_changes_leave_dated_history_rows(risky_loan):
    run(dt.date(2025, 3, 1))
    run(dt.date(2025, 6, 1))
    rows = list(
        RiskHistory.objects.filter(kind="classification", loan=risky_loan)
        .order_by("changed_on")
        .values_list("changed_on", "old_value", "new_value")
    )
    assert rows == [(dt.date(2025, 3, 1), "1", "2"), (dt.date(2025, 6, 1), "2", "3")]
    levels = RiskHistory.objects.filter(kind="risk_level", customer=risky_loan.customer)
    assert levels.exists()
    assert RiskHistory.objects.filter(kind="grade", customer=risky_loan.customer).exists()


def test_contagion_across_a_debtors_loans(
    alice, mary, graded_customer, consumer_product, risky_loan
):
    # A second, current loan of the same debtor, ten times smaller than the bad one.
    healthy = disbursed_loan(
        alice, mary, graded_customer, consumer_product, amount="12000", on=dt.date(2025, 5, 1)
    )
    on = dt.date(2025, 5, 20)  # the first loan is 99 days past due, the second current
    for instalment in healthy.instalments.filter(due_date__lte=on):
        lending_services.repayment_post(
            actor=alice,
            loan=healthy,
            amount=instalment.total_due,
            paid_on=instalment.due_date,
            channel="transfer",
            reference=f"R{instalment.pk}",
        )
    run(on)
    assert LoanRisk.objects.get(loan=risky_loan).final_class == classification.SUBSTANDARD
    assert LoanRisk.objects.get(loan=healthy).dpd == 0
    assert LoanRisk.objects.get(loan=healthy).final_class == classification.SUBSTANDARD


def test_restructured_loan_in_sql(alice, mary, risky_loan, business_day):
    business_day(dt.date(2025, 3, 20))
    proposal, _created = lending_services.restructuring_propose(
        actor=alice,
        loan=risky_loan,
        new_term_months=24,
        new_rate=risky_loan.annual_rate,
        reason="Hardship",
    )
    lending_services.restructuring_approve(actor=mary, proposal=proposal)
    run(dt.date(2025, 3, 20))
    assert LoanRisk.objects.get(loan=risky_loan).final_class == classification.SPECIAL_MENTION
    run(dt.date(2025, 4, 25))  # the first new instalment (20 April) is 5 days late
    assert LoanRisk.objects.get(loan=risky_loan).final_class == classification.SUBSTANDARD


def test_override_is_kept_and_expires(rita, risky_loan, business_day):
    from risk import services

    run(business_day(dt.date(2025, 3, 1)))
    state = LoanRisk.objects.get(loan=risky_loan)
    services.classification_override(
        actor=rita,
        loan_risk=state,
        loan_class=4,
        reason="Borrower absconded",
        until=dt.date(2025, 4, 30),
    )
    run(dt.date(2025, 4, 1))
    state.refresh_from_db()
    assert (state.automatic_class, state.final_class) == (2, 4)
    run(dt.date(2025, 5, 2))
    state.refresh_from_db()
    assert state.final_class == state.automatic_class == 2


def test_a_failing_chunk_is_retried_and_the_others_commit(
    alice, mary, graded_customer, second_customer, consumer_product, monkeypatch
):
    loan_one = disbursed_loan(alice, mary, graded_customer, consumer_product)
    loan_two = disbursed_loan(alice, mary, second_customer, consumer_product)
    attempts = {"count": 0}
    real = jobs.process_chunk

    def flaky(first, last, on, **kwargs):
        if first <= graded_customer.pk <= last:
            attempts["count"] += 1
            if attempts["count"] == 1:
                raise RuntimeError("lost the database connection")
        return real(first, last, on, **kwargs)

    monkeypatch.setattr(jobs, "process_chunk", flaky)
    result = jobs.run_synchronously(jobs.NIGHTLY, dt.date(2025, 3, 1), chunk_size=1)
    assert attempts["count"] == 2
    assert result.status == "done"
    assert LoanRisk.objects.get(loan=loan_one).dpd == 19
    assert LoanRisk.objects.get(loan=loan_two).dpd == 19


def test_a_chunk_that_keeps_failing_is_recorded_and_the_others_commit(
    alice, mary, graded_customer, second_customer, consumer_product, monkeypatch
):
    loan_two = disbursed_loan(alice, mary, second_customer, consumer_product)
    real = jobs.process_chunk

    def broken(first, last, on, **kwargs):
        if first <= graded_customer.pk <= last:
            raise RuntimeError("corrupt row")
        return real(first, last, on, **kwargs)

    monkeypatch.setattr(jobs, "process_chunk", broken)
    result = jobs.run_synchronously(jobs.NIGHTLY, dt.date(2025, 3, 1), chunk_size=1)
    assert result.status == "failed"
    assert len(result.failures) == 1 and "corrupt row" in result.failures[0]
    assert LoanRisk.objects.get(loan=loan_two).dpd == 19


def test_a_chunk_delivered_twice_is_done_and_counted_once(
    alice, mary, graded_customer, second_customer, consumer_product, monkeypatch
):
    # A worker lost after the chunk's commit, before the broker heard of it: the broker hands
    # the chunk to another worker.
    disbursed_loan(alice, mary, graded_customer, consumer_product)
    disbursed_loan(alice, mary, second_customer, consumer_product)
    on = dt.date(2025, 3, 1)
    ranges = jobs.chunk_ranges(chunk_size=1)
    first_range = next(r for r in ranges if r[0] == graded_customer.pk)
    run = jobs.start_run(jobs.NIGHTLY, on, runner=JobRunner.CELERY, chunk_size=1)
    jobs.let_go(run.pk)  # the fan-out has sent its chunks
    done = jobs.run_chunk(run.pk, *first_range, on, recompute=True)
    assert done.counts["loans_added"] == 1
    worked = []
    monkeypatch.setattr(jobs, "process_chunk", lambda *args, **kwargs: worked.append(args))
    again = jobs.run_chunk(run.pk, *first_range, on, recompute=True)
    assert again.skipped and not worked
    run.refresh_from_db()
    # Still running: the run closes on its last chunk, not on a chunk seen twice.
    assert (run.status, run.chunks_done, run.counts["loans_added"]) == ("running", 1, 1)
    monkeypatch.undo()
    for other in ranges:
        if other != first_range:
            jobs.run_chunk(run.pk, *other, on, recompute=True)
    run.refresh_from_db()
    assert (run.status, run.chunks_done) == ("done", len(ranges))
    assert run.counts["loans_added"] == 2


def test_a_failure_is_recorded_once_and_old_chunk_records_go(risky_loan):
    on = dt.date(2025, 3, 1)
    run = JobRun.objects.create(job=jobs.NIGHTLY, business_date=on, chunks_total=2)
    first = risky_loan.customer_id
    jobs.record_failure(run.pk, first, "corrupt row")
    jobs.record_failure(run.pk, first, "corrupt row")
    run.refresh_from_db()
    assert (run.chunks_done, run.failures, run.status) == (1, ["corrupt row"], "running")
    # The record of a chunk outlives its run by a day (a redelivery comes within an hour).
    JobRun.objects.filter(pk=run.pk).update(
        status="failed", finished_at=timezone.now() - jobs.CHUNKS_KEPT - dt.timedelta(minutes=1)
    )
    recent = jobs.start_run(jobs.NIGHTLY, on, runner=JobRunner.CELERY)
    jobs.let_go(recent.pk)
    jobs.record_failure(recent.pk, first, "corrupt row")
    jobs.let_go(jobs.start_run(jobs.SCAN, on, runner=JobRunner.CELERY).pk)
    assert list(JobChunk.objects.values_list("run_id", flat=True)) == [recent.pk]


def test_a_second_run_while_one_is_running_does_nothing(risky_loan):
    running = JobRun.objects.create(
        job=jobs.NIGHTLY, business_date=dt.date(2025, 3, 1), status="running", chunks_total=1
    )
    # Its runner is alive: another process holds the run's lock (risk.jobs).
    runner = connections.create_connection("default")
    try:
        with runner.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_lock_shared(%s, %s)", [jobs.RUN_LOCK_NAMESPACE, running.pk]
            )
        assert jobs.run_synchronously(jobs.NIGHTLY, dt.date(2025, 3, 1)) is None
    finally:
        runner.close()
    assert not LoanRisk.objects.filter(loan=risky_loan).exists()


@pytest.mark.django_db(transaction=True)
def test_a_chunk_held_by_another_worker_is_skipped(risky_loan_committed):
    first = risky_loan_committed.customer_id
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("BEGIN")
            # What another nightly worker on the same range holds.
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [NIGHTLY_LOCK_NAMESPACE, first])
            result = process_chunk(first, first, dt.date(2025, 3, 1))
            assert result.skipped
            cursor.execute("ROLLBACK")
    finally:
        other.close()
    assert not process_chunk(first, first, dt.date(2025, 3, 1)).skipped


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_scans_raise_one_alert_per_rule_and_subject(risky_loan_committed):
    from risk.recompute import ChunkResult, recompute_chunk, scan_chunk, select_chunk

    on = dt.date(2025, 6, 1)
    customer = risky_loan_committed.customer_id

    def whole_range(cursor) -> ChunkResult:
        result = ChunkResult()
        select_chunk(cursor, customer, customer, full=True, take_pending=False, result=result)
        return result

    with transaction.atomic(), connection.cursor() as cursor:
        recompute_chunk(cursor, customer, customer, on, whole_range(cursor))
    barrier = threading.Barrier(2)
    errors = []

    def scan():
        try:
            barrier.wait()
            from django.db import connection as thread_connection

            # Both scans bypass the chunk lock on purpose: only the unique index stands
            # between them and a duplicate.
            with transaction.atomic(), thread_connection.cursor() as cursor:
                scan_chunk(cursor, customer, customer, on, whole_range(cursor))
        except Exception as error:
            errors.append(error)
        finally:
            from django.db import connection as thread_connection

            thread_connection.close()

    threads = [threading.Thread(target=scan) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    codes = list(Alert.objects.values_list("rule__code", flat=True))
    assert len(codes) == len(set(codes)) > 0


def test_scores_are_refreshed_when_the_repayment_record_changes(risky_loan):
    from credit.models import Assessment

    before = Assessment.objects.filter(customer=risky_loan.customer).count()
    first = run(dt.date(2025, 6, 1))
    assert first.counts["scores_refreshed"] == 1
    latest = Assessment.objects.filter(customer=risky_loan.customer).first()
    assert latest.assessed_by is None
    assert latest.inputs["late_payments_12m"] == 4
    assert latest.inputs["worst_dpd_ever"] == 111
    assert latest.score < Assessment.objects.filter(customer=risky_loan.customer)[1].score
    assert Assessment.objects.filter(customer=risky_loan.customer).count() == before + 1
    assert run(dt.date(2025, 6, 1)).counts.get("scores_refreshed", 0) == 0
    recorded = RiskHistory.objects.get(kind="score", customer=risky_loan.customer)
    assert recorded.new_value == str(latest.score)


def test_a_record_that_leaves_the_score_where_it_was_adds_no_assessment(risky_loan):
    """A borrower already past 90 days gets one more day each night: the worst days past due
    moves, but within the same bin, so the score and grade stay and nothing is written."""
    from credit.models import Assessment

    run(dt.date(2025, 6, 1))
    count = Assessment.objects.filter(customer=risky_loan.customer).count()
    latest = Assessment.objects.filter(customer=risky_loan.customer).first()
    with CaptureQueriesContext(connection) as queries:
        # A full night, which examines every customer (an incremental one would not look at
        # this one: nothing of theirs moved but the days).
        following = jobs.run_synchronously(jobs.NIGHTLY, dt.date(2025, 6, 2), full=True)
    assert following.counts["customers_examined"] > 0
    assert following.counts.get("scores_refreshed", 0) == 0
    assert Assessment.objects.filter(customer=risky_loan.customer).count() == count
    assert Assessment.objects.filter(customer=risky_loan.customer).first() == latest
    # Nor is the customer scored again to find that out: their assessment is not even read.
    assert not [
        q for q in queries if q["sql"].startswith('SELECT DISTINCT ON ("credit_assessment"')
    ]


def test_only_records_that_move_a_factors_points_are_scored_again(graded_customer):
    """The default scorecard's worst days past due earns 5 points from 31 to 90 days and none
    beyond; the late instalments in 12 months lose points from the first."""
    from credit.models import Assessment
    from credit.services import ScoredRecord, record_inputs, records_moving_scores

    latest = Assessment.objects.filter(customer=graded_customer).first()

    def moved(previous, record, scorecard_id=latest.scorecard_id, customer_id=1):
        return ScoredRecord(
            customer_id=customer_id,
            kind=graded_customer.kind,
            scorecard_id=scorecard_id,
            previous=record_inputs(*previous),
            record=record_inputs(*record),
        )

    stale = records_moving_scores(
        [
            moved((2, 2, 40), (2, 2, 41), customer_id=1),  # one more day, in the same bin
            moved((2, 2, 90), (2, 2, 91), customer_id=2),  # past 90 days: 5 points lost
            moved((0, 0, 0), (1, 1, 3), customer_id=3),  # a first late instalment
            moved((2, 2, 40), (2, 2, 41), scorecard_id=0, customer_id=4),  # another scorecard
            moved((None, None, None), (0, 0, 0), customer_id=5),  # first record
        ]
    )
    assert stale == {
        2: record_inputs(2, 2, 91),
        3: record_inputs(1, 1, 3),
        4: record_inputs(2, 2, 41),
        5: record_inputs(0, 0, 0),
    }


def test_a_customer_whose_level_moves_is_scanned_again_alone_and_settles_the_same_night(
    risky_loan, second_customer, monkeypatch
):
    """The night puts the customer of risky_loan (never repaid, 111 days past due) at a high
    risk level. The rule on no contact with a high-risk customer reads that level, so the
    same night scans that customer once more, and no one else (second_customer's level did
    not move): the alert is raised tonight, not in tomorrow's run."""
    from customers.models import Customer
    from risk import recompute

    Customer.objects.filter(pk=risky_loan.customer_id).update(
        assigned_at=timezone.make_aware(dt.datetime(2024, 1, 2, 9))
    )
    # Both at the level an A grade and no arrears give, which second_customer keeps.
    Customer.objects.filter(pk__in=[risky_loan.customer_id, second_customer.pk]).update(
        risk_level="low"
    )
    scanned = []
    scan_chunk = recompute.scan_chunk

    def recorded(cursor, first, last, on, result, **kwargs):
        scanned.append((list(result.customers), result.whole_range))
        return scan_chunk(cursor, first, last, on, result, **kwargs)

    monkeypatch.setattr(recompute, "scan_chunk", recorded)
    night = jobs.run_synchronously(jobs.NIGHTLY, dt.date(2025, 6, 1), full=True)
    assert night.status == "done", night.failures
    customer = Customer.objects.get(pk=risky_loan.customer_id)
    assert customer.risk_level == "high"
    assert Alert.objects.filter(customer=customer, rule__code="no_contact").exists()
    assert [whole_range for _customers, whole_range in scanned] == [True, False]
    assert scanned[1][0] == [customer.pk]
    assert Customer.objects.get(pk=second_customer.pk).risk_level == "low"
