"""The nightly job looks only at the customers whose inputs changed or whose state the
calendar moved (risk/pending.py), and that is enough: a full run of the same night after it
finds nothing left to write."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from credit import services as credit_services
from credit.models import FinancialStatement
from customers.models import Complaint, Customer, Industry, Interaction
from dashboards import figures
from lending import services as lending_services
from lending.models import Collateral, CollateralValuation
from risk import jobs, services
from risk.models import (
    Alert,
    EarlyWarningRule,
    IndustryWatch,
    JobRun,
    LoanRisk,
    ManualSignal,
    PendingCustomer,
    RiskHistory,
)
from tests.customers import factories
from tests.risk.conftest import assessed, disbursed_loan


def night(on: dt.date, *, full: bool | None = None) -> JobRun:
    run = jobs.run_synchronously(jobs.NIGHTLY, on, full=full)
    assert run.status == "done", run.failures
    return run


def written(run: JobRun) -> dict:
    return {k: v for k, v in run.counts.items() if v and k != "customers_examined"}


def book_state() -> dict:
    """Everything the job writes, to compare a night with its full rerun."""
    return {
        "risks": list(
            LoanRisk.objects.order_by("loan_id").values_list(
                "loan_id",
                "dpd",
                "overdue_since",
                "overdue_instalments",
                "automatic_class",
                "final_class",
            )
        ),
        "customers": list(Customer.objects.order_by("id").values_list("id", "risk_level", "grade")),
        "alerts": list(
            Alert.objects.order_by("id").values_list("id", "rule__code", "value", "status")
        ),
        "history": RiskHistory.objects.count(),
    }


def figure_values(row) -> tuple:
    return tuple(getattr(row, name) for name in figures.FIGURES)


def book_figures() -> list[tuple]:
    from dashboards.models import BookFigure

    return sorted(
        (row.officer_id, row.branch_id, row.dimension, row.key, *figure_values(row))
        for row in BookFigure.objects.exclude(loans=0, exposure=0)
    )


def pending() -> set[int]:
    return set(PendingCustomer.objects.values_list("customer_id", flat=True))


def clear_pending() -> None:
    PendingCustomer.objects.all().delete()


def test_a_night_marks_nothing_for_the_next(risky_loan):
    clear_pending()
    night(dt.date(2025, 3, 1))
    # Loan risks, customers, alerts, assessments and history were written by the job: none
    # of it is a new input.
    assert pending() == set()


def test_every_input_marks_its_customer(alice, mary, risky_loan, second_customer):
    customer = risky_loan.customer
    night(dt.date(2025, 3, 1))

    def marks(change) -> set[int]:
        clear_pending()
        change()
        return pending()

    first = risky_loan.instalments.order_by("number").first()
    assert marks(
        lambda: lending_services.repayment_post(
            actor=alice,
            loan=risky_loan,
            amount=first.total_due,
            paid_on=dt.date(2025, 3, 1),
            channel="transfer",
            reference="r1",
        )
    ) == {customer.pk}
    assert marks(lambda: assessed(alice, customer)) == {customer.pk}
    assert marks(
        lambda: credit_services.statement_record(
            actor=alice,
            statement=FinancialStatement(
                customer=customer,
                period_end=dt.date(2024, 12, 31),
                annual_income=Decimal("100000"),
                debt_service=Decimal("20000"),
            ),
        )
    ) == {customer.pk}
    collateral = Collateral(
        application=risky_loan.application,
        collateral_type="real_estate",
        description="Flat",
        owner_name="x",
        value=Decimal("150000"),
        valued_on=dt.date(2025, 1, 1),
    )
    assert marks(collateral.save) == {customer.pk}
    assert marks(
        lambda: CollateralValuation.objects.create(
            collateral=collateral, value=Decimal("1"), valued_on=dt.date(2025, 2, 1),
            recorded_by=alice,
        )
    ) == {customer.pk}  # fmt: skip
    assert marks(
        lambda: services.signal_raise(
            actor=alice, signal=ManualSignal(customer=customer, kind="lawsuit", note="Court")
        )
    ) == {customer.pk}
    assert marks(
        lambda: Interaction.objects.create(
            customer=second_customer, officer=alice, channel="phone", summary="Called"
        )
    ) == {second_customer.pk}
    assert marks(
        lambda: Complaint.objects.create(
            customer=second_customer,
            category="service",
            description="Slow",
            sla_due_at=timezone.now(),
            owner=alice,
        )
    ) == {second_customer.pk}
    assert marks(
        lambda: LoanRisk.objects.filter(loan=risky_loan).update(
            override_class=4, override_until=dt.date(2025, 5, 1)
        )
    ) == {customer.pk}
    alert = Alert.objects.filter(customer=customer).first()
    assert marks(lambda: Alert.objects.filter(pk=alert.pk).update(status="dismissed")) == {
        customer.pk
    }
    assert marks(lambda: Customer.objects.filter(pk=second_customer.pk).update(grade="CCC")) == {
        second_customer.pk
    }
    enterprise = factories.enterprise(alice)
    industry = Industry.objects.get(code="C")
    Customer.objects.filter(pk=enterprise.pk).update(industry=industry)
    watch = IndustryWatch(industry=industry, reason="Overcapacity")
    assert marks(watch.save) == {enterprise.pk}
    # A rule edited in admin can move anyone: everyone is looked at again.
    assert marks(
        lambda: EarlyWarningRule.objects.filter(code="dpd_30").update(threshold=31)
    ) == set(Customer.objects.values_list("id", flat=True))


def test_only_the_changed_are_examined_and_past_due_days_move_on(
    alice, mary, risky_loan, consumer_product
):
    quiet = [assessed(alice, factories.individual(alice, name=f"客户{n}")) for n in range(5)]
    for customer in quiet[:2]:
        disbursed_loan(alice, mary, customer, consumer_product, on=dt.date(2025, 2, 20))
    night(dt.date(2025, 3, 1))
    assert LoanRisk.objects.get(loan=risky_loan).overdue_since == dt.date(2025, 2, 10)
    second = night(dt.date(2025, 3, 2))
    assert not second.full
    # risky_loan is past due, but 20 days is no threshold: its days move on, nobody is
    # looked at.
    assert second.counts["customers_examined"] == 0
    assert second.counts["loans_aged"] == 1
    assert LoanRisk.objects.get(loan=risky_loan).dpd == 20
    Interaction.objects.create(customer=quiet[4], officer=alice, channel="phone", summary="Hi")
    third = night(dt.date(2025, 3, 3))
    assert third.counts["customers_examined"] == 1
    assert LoanRisk.objects.get(loan=risky_loan).dpd == 21
    assert written(night(dt.date(2025, 3, 3))) == {}


def test_the_thresholds_of_days_past_due_include_every_rule_policy_and_scorecard(db):
    from risk.pending import past_due_thresholds

    # Class floors (over 90/270/360), the policy (over 0/90), the rules (1/30/60/90 or
    # more) and the scorecard bins of worst days past due (1/31/91), each with its next day.
    assert {1, 2, 30, 31, 32, 60, 61, 90, 91, 92, 270, 271, 360, 361} <= past_due_thresholds()
    EarlyWarningRule.objects.filter(code="dpd_60").update(threshold=45)
    assert {45, 46} <= past_due_thresholds()


def test_a_past_due_loan_reaching_a_threshold_is_recomputed_that_night(alice, risky_loan):
    """risky_loan's first instalment (10 February 2025) is unpaid; the others are paid on
    their dates, so no instalment falling due marks it. Night by night around the days
    something depends on, each incremental night is what a full night would be."""
    from django.db.models import F

    risky_loan.instalments.filter(number__gt=1).update(
        settled_on=F("due_date"), principal_paid=F("principal_due"), interest_paid=F("interest_due")
    )
    night(dt.date(2025, 3, 1))
    LoanRisk.objects.filter(loan=risky_loan).update(
        override_class=4, override_reason="Fraud suspected", override_until=dt.date(2025, 3, 20)
    )
    nights = [dt.date(2025, 3, day) for day in (2, 11, 12, 13, 14, 20, 21, 22)]
    nights += [dt.date(2025, 4, 11), dt.date(2025, 5, 11), dt.date(2025, 5, 12)]
    # 180 and 181 days: no threshold, but another overdue bucket of the dashboard.
    nights += [dt.date(2025, 8, 9), dt.date(2025, 8, 10)]
    examined = {}
    for on in nights:
        incremental = night(on)
        examined[on.isoformat()] = incremental.counts["customers_examined"]
        # The dashboard's book figures followed the days moved on: a rebuild from the book
        # changes none of them.
        kept = book_figures()
        figures.rebuild()
        assert book_figures() == kept, on
        after = book_state()
        full = night(on, full=True)
        assert written(full) == {}, on
        assert book_state() == after, on
    risk = LoanRisk.objects.get(loan=risky_loan)
    # 181 days past due on 10 August: substandard, and the override of March has ended.
    assert (risk.dpd, risk.final_class, risk.override_class) == (181, 3, 4)
    # One days-past-due alert climbed each threshold on its night: it stands on the top step,
    # each step in its history.
    dpd_alert = Alert.objects.get(loan=risky_loan, indicator="dpd", status="open")
    assert dpd_alert.rule.code == "dpd_90"
    assert list(
        dpd_alert.actions.values_list("rule_after__code", "business_date").order_by("pk")
    ) == [
        ("dpd_30", dt.date(2025, 3, 12)),
        ("dpd_60", dt.date(2025, 4, 11)),
        ("dpd_90", dt.date(2025, 5, 11)),
    ]
    # Looked at on the days a threshold was reached (the override's marking, 30, 31, 32,
    # the override ended and the day after, 60, 90, 91) and not in between.
    assert examined == {
        "2025-03-02": 1,
        "2025-03-11": 0,
        "2025-03-12": 1,
        "2025-03-13": 1,
        "2025-03-14": 1,
        "2025-03-20": 0,
        "2025-03-21": 1,
        "2025-03-22": 1,
        "2025-04-11": 1,
        "2025-05-11": 1,
        "2025-05-12": 1,
        "2025-08-09": 1,  # the thresholds since 12 May (270 is not reached)
        "2025-08-10": 0,
    }


def test_the_last_contact_growing_old_is_marked_on_its_day(alice, risky_loan):
    """risky_loan's customer is medium risk (past due). Their contacts on 15 and 20 January
    2025: the no-contact rule (90 days) counts from the later, so the night of 20 April
    looks at them and raises the alert, not the nights before it."""
    customer = risky_loan.customer
    zone = timezone.get_current_timezone()
    for day in (15, 20):
        Interaction.objects.create(
            customer=customer,
            officer=alice,
            channel="phone",
            summary="Reminder",
            occurred_at=dt.datetime(2025, 1, day, 10, tzinfo=zone),
        )
    night(dt.date(2025, 4, 12))
    assert Customer.objects.get(pk=customer.pk).risk_level == "medium"
    examined = {}
    for day in (15, 16, 19, 20, 21, 22):
        on = dt.date(2025, 4, day)
        examined[day] = night(on).counts["customers_examined"]
        after = book_state()
        assert written(night(on, full=True)) == {}, on
        assert book_state() == after, on
    # The 20th, and the 21st as the calendar's one day of margin.
    assert examined == {15: 0, 16: 0, 19: 0, 20: 1, 21: 1, 22: 0}
    alert = Alert.objects.get(customer=customer, rule__code="no_contact", status="open")
    assert alert.value == "2025-01-20"


def test_a_night_after_changes_leaves_nothing_for_a_full_run(
    alice, mary, risky_loan, second_customer, consumer_product
):
    other_loan = disbursed_loan(
        alice, mary, second_customer, consumer_product, amount="60000", on=dt.date(2025, 1, 20)
    )
    late_payer = assessed(alice, factories.individual(alice, name="王五"))
    third_loan = disbursed_loan(alice, mary, late_payer, consumer_product, on=dt.date(2024, 1, 5))
    Customer.objects.filter(pk=second_customer.pk).update(
        assigned_at=timezone.now() - dt.timedelta(days=400)
    )
    night(dt.date(2025, 2, 1))
    # Between nights: a repayment that clears a due instalment, a late one paid, a new
    # assessment, a statement over the limit, a lawsuit, a complaint already late, an
    # override; and the calendar moves on by weeks (instalments fall due unpaid).
    for instalment in third_loan.instalments.filter(due_date__lt=dt.date(2025, 2, 1)):
        lending_services.repayment_post(
            actor=alice,
            loan=third_loan,
            amount=instalment.total_due,
            paid_on=instalment.due_date + dt.timedelta(days=3),
            channel="transfer",
            reference=f"late-{instalment.number}",
        )
    first = other_loan.instalments.order_by("number").first()
    lending_services.repayment_post(
        actor=alice,
        loan=other_loan,
        amount=first.total_due,
        paid_on=dt.date(2025, 2, 20),
        channel="transfer",
        reference="o1",
    )
    credit_services.assessment_create(
        actor=alice,
        customer=second_customer,
        inputs={"net_worth": -1, "monthly_income": 3000, "dti": 0.7, "years_employed": 0},
        expert_comments={},
    )
    credit_services.statement_record(
        actor=alice,
        statement=FinancialStatement(
            customer=late_payer,
            period_end=dt.date(2024, 12, 31),
            annual_income=Decimal("100000"),
            debt_service=Decimal("70000"),
        ),
    )
    services.signal_raise(
        actor=alice, signal=ManualSignal(customer=late_payer, kind="lawsuit", note="Court")
    )
    Complaint.objects.create(
        customer=second_customer,
        category="service",
        description="Slow",
        sla_due_at=timezone.now() - dt.timedelta(days=1),
        owner=alice,
    )
    LoanRisk.objects.filter(loan=other_loan).update(
        override_class=3, override_reason="Weak", override_until=dt.date(2025, 5, 1)
    )
    for on in (dt.date(2025, 3, 1), dt.date(2025, 5, 15), dt.date(2026, 2, 10)):
        incremental = night(on)
        assert not incremental.full
        after = book_state()
        full = night(on, full=True)
        assert full.full
        assert written(full) == {}, on
        assert book_state() == after


def test_a_failed_chunk_keeps_its_marks(monkeypatch, alice, risky_loan, second_customer):
    from risk import recompute

    night(dt.date(2025, 3, 1))
    Interaction.objects.create(customer=second_customer, officer=alice, channel="phone", summary="")
    assert pending() == {second_customer.pk}

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(recompute, "recompute_chunk", broken)
    run = jobs.run_synchronously(jobs.NIGHTLY, dt.date(2025, 3, 2), attempts=1)
    assert run.status == "failed"
    assert second_customer.pk in pending()
    monkeypatch.undo()
    night(dt.date(2025, 3, 3))
    assert pending() == set()


def test_a_scan_leaves_the_marks_for_the_night(alice, risky_loan, second_customer):
    night(dt.date(2025, 3, 1))
    Interaction.objects.create(customer=second_customer, officer=alice, channel="phone", summary="")
    run = jobs.run_synchronously(jobs.SCAN, dt.date(2025, 3, 1))
    assert run.counts["customers_examined"] == 1
    assert pending() == {second_customer.pk}
    night(dt.date(2025, 3, 2))
    assert pending() == set()


def test_a_scan_the_day_after_the_night_rewrites_no_alert(alice, risky_loan):
    """The days past due are as of the last night; the alerts a scan finds the next day
    carry the same dates, so a working day's scan changes only what the day changed."""
    night(dt.date(2025, 3, 1))
    alerts = list(Alert.objects.order_by("id").values_list("id", "value", "status"))
    assert any(code == "dpd_1" for code in Alert.objects.values_list("rule__code", flat=True))
    Interaction.objects.create(customer=risky_loan.customer, officer=alice, channel="visit")
    run = jobs.run_synchronously(jobs.SCAN, dt.date(2025, 3, 2))
    assert run.counts["customers_examined"] == 1
    assert run.counts.get("alerts_updated", 0) == 0
    assert list(Alert.objects.order_by("id").values_list("id", "value", "status")) == alerts


def test_the_calendar_marks_an_instalment_falling_due_unpaid(alice, mary, consumer_product):
    customer = assessed(alice, factories.individual(alice))
    loan = disbursed_loan(alice, mary, customer, consumer_product, on=dt.date(2025, 1, 10))
    night(dt.date(2025, 2, 5))
    clear_pending()
    # The first instalment falls due on 10 February and is not paid.
    night(dt.date(2025, 2, 12))
    assert LoanRisk.objects.get(loan=loan).dpd == 2
    assert Alert.objects.filter(loan=loan, rule__code="dpd_1", status="open").exists()


def test_first_run_and_a_run_back_in_time_are_full(risky_loan):
    assert night(dt.date(2025, 3, 1)).full
    assert not night(dt.date(2025, 3, 2)).full
    assert night(dt.date(2025, 2, 20)).full


@pytest.mark.parametrize(
    ("value", "indicator", "shown"),
    [
        ("2025-02-10", "dpd", "10 days past due (since 2025-02-10)"),
        ("2024-11-22", "no_contact", "90 days without contact (last 2024-11-22)"),
        ("2025-03-22", "maturity_no_renewal", "matures in 30 days (2025-03-22)"),
        ("12", "dpd", "12"),  # a value from before dates were stored is shown as it is
        ("0.8123", "ltv_limit", "loan to value 81.23%"),
        ("not a share", "ltv_limit", "not a share"),  # unreadable: shown as it is
    ],
)
def test_dated_alert_values_are_counted_when_shown(value, indicator, shown):
    rule = EarlyWarningRule(indicator=indicator)
    assert Alert(rule=rule, value=value).shown_value(dt.date(2025, 2, 20)) == shown


def test_the_nightly_repayment_record_is_the_services_one(alice, mary, consumer_product):
    """The night reads only late instalments through partial indexes; the record it gives a
    customer is exactly credit.services.repayment_record's."""
    from credit.models import Assessment
    from credit.services import repayment_record

    customer = assessed(alice, factories.individual(alice, name="赵六"))
    loan = disbursed_loan(alice, mary, customer, consumer_product, on=dt.date(2023, 1, 5))
    for instalment in loan.instalments.order_by("number")[:20]:
        if instalment.number in (3, 4):
            continue  # never paid: past due ever since
        late_by = 5 if instalment.number % 4 == 0 else 0
        lending_services.repayment_post(
            actor=alice,
            loan=loan,
            amount=instalment.total_due,
            paid_on=min(instalment.due_date + dt.timedelta(days=late_by), dt.date(2025, 3, 1)),
            channel="transfer",
            reference=f"p-{instalment.number}",
        )
    on = dt.date(2025, 3, 1)
    night(on, full=True)
    latest = Assessment.objects.filter(customer=customer).first()
    expected = repayment_record(customer, on)
    assert expected["late_payments_36m"] > 0
    assert {key: latest.inputs[key] for key in expected} == expected
