"""Each early-warning rule fires at its threshold and not below it."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from credit import services as credit_services
from credit.models import FinancialStatement
from customers.models import Complaint, Customer, Interaction
from lending import services as lending_services
from lending.models import Collateral
from risk import jobs
from risk.models import Alert, IndustryWatch, ManualSignal
from tests.customers import factories


def scan(on: dt.date) -> set[str]:
    run = jobs.run_synchronously(jobs.NIGHTLY, on)
    assert run.status == "done", run.failures
    return set(
        Alert.objects.filter(status__in=["open", "acknowledged", "in_progress"]).values_list(
            "rule__code", flat=True
        )
    )


@pytest.mark.parametrize(
    ("on", "step", "fired", "silent"),
    [
        (dt.date(2025, 2, 10), None, set(), {"missed_instalments"}),
        (dt.date(2025, 2, 11), "dpd_1", set(), {"missed_instalments"}),
        (dt.date(2025, 3, 12), "dpd_30", {"missed_instalments"}, set()),
        (dt.date(2025, 4, 11), "dpd_60", {"missed_instalments"}, set()),
        (dt.date(2025, 5, 11), "dpd_90", {"missed_instalments"}, set()),
    ],
)
def test_days_past_due_rules(risky_loan, on, step, fired, silent):
    """The days-past-due rules are one ladder: the loan has one active alert on the highest
    step its days reach, never one per rule."""
    codes = scan(on)
    on_the_ladder = Alert.objects.filter(
        indicator="dpd", status__in=["open", "acknowledged", "in_progress"]
    )
    assert list(on_the_ladder.values_list("rule__code", flat=True)) == ([step] if step else [])
    assert fired <= codes
    assert not (silent & codes)


def test_dpd_alert_is_one_per_loan_updated_then_resolved_when_paid(alice, risky_loan):
    scan(dt.date(2025, 2, 20))
    alert = Alert.objects.get(rule__code="dpd_1")
    # The value is the date the loan is past due since; the days are counted when shown.
    assert (alert.value, alert.loan, alert.assignee) == ("2025-02-10", risky_loan, alice)
    assert alert.shown_value(dt.date(2025, 2, 20)) == "10 days past due (since 2025-02-10)"
    seen = alert.last_seen_at
    scan(dt.date(2025, 2, 25))
    alert.refresh_from_db()
    # Five days later the open alert is left as it was: nothing to rewrite every night.
    assert (alert.value, alert.last_seen_at) == ("2025-02-10", seen)
    assert alert.shown_value(dt.date(2025, 2, 25)) == "15 days past due (since 2025-02-10)"
    assert Alert.objects.filter(rule__code="dpd_1").count() == 1
    first = risky_loan.instalments.order_by("number").first()
    lending_services.repayment_post(
        actor=alice,
        loan=risky_loan,
        amount=first.total_due,
        paid_on=dt.date(2025, 2, 25),
        channel="transfer",
        reference="late",
    )
    scan(dt.date(2025, 2, 26))
    alert.refresh_from_db()
    # dpd_1 resolves itself when the condition clears (the catalogue says so).
    assert alert.status == "resolved" and alert.cleared_at is not None


def test_the_ladder_alert_takes_its_steps_severity_sla_and_resolution(alice, risky_loan):
    """The days-past-due rules are evaluated in one pass (risk.rules.MEASURED) and share one
    alert; it takes the severity, risk type and acknowledgement deadline of the rule it
    stands on, and clears as that rule says."""
    from risk.models import EarlyWarningRule

    EarlyWarningRule.objects.filter(code="dpd_1").update(auto_resolve=True, sla_hours=24)
    EarlyWarningRule.objects.filter(code="dpd_30").update(auto_resolve=False, sla_hours=72)
    rules = {rule.code: rule for rule in EarlyWarningRule.objects.all()}
    before = timezone.now()
    scan(dt.date(2025, 2, 20))  # 10 days past due
    alert = Alert.objects.get(indicator="dpd")
    assert (alert.rule.code, alert.severity) == ("dpd_1", rules["dpd_1"].severity)
    hours = (alert.sla_due_at - before).total_seconds() / 3600
    assert 24 <= hours < 25
    climbed = timezone.now()
    scan(dt.date(2025, 3, 14))  # 32 days past due: the same alert, one step up
    alert.refresh_from_db()
    assert Alert.objects.filter(indicator="dpd").count() == 1
    assert alert.rule.code == "dpd_30"
    assert (alert.severity, alert.risk_type) == (rules["dpd_30"].severity, "credit")
    assert alert.severity != rules["dpd_1"].severity
    # Climbing gives the new step's deadline, counted from the scan that climbed.
    hours = (alert.sla_due_at - climbed).total_seconds() / 3600
    assert 72 <= hours < 73
    # Paid in full: it clears; its rule (dpd_30) leaves it open, noted as cleared.
    for instalment in risky_loan.instalments.filter(due_date__lte=dt.date(2025, 3, 14)):
        lending_services.repayment_post(
            actor=alice,
            loan=risky_loan,
            amount=instalment.total_due,
            paid_on=dt.date(2025, 3, 14),
            channel="transfer",
            reference=f"catch-up {instalment.number}",
        )
    scan(dt.date(2025, 3, 15))
    alert.refresh_from_db()
    assert alert.cleared_at is not None
    assert (alert.rule.code, alert.status) == ("dpd_30", "open")


def assess(officer, customer, **inputs):
    base = {
        "net_worth": 500000,
        "monthly_income": 15000,
        "dti": 0.25,
        "late_payments_12m": 0,
        "late_payments_36m": 0,
        "worst_dpd_ever": 0,
        "years_employed": 5,
        "income_growth": 0.06,
    }
    return credit_services.assessment_create(
        actor=officer, customer=customer, inputs={**base, **inputs}, expert_comments={}
    )


def test_score_drop_and_grade_downgrade(alice, on_business_date):
    customer = factories.individual(alice)
    assess(alice, customer)  # 663: A
    assess(alice, customer, dti=0.45)  # 643, BBB: 20 points fewer, no alert (threshold 30)
    assert not {"score_drop", "grade_downgrade"} & scan(on_business_date)
    assess(alice, customer, dti=0.6, net_worth=-1, years_employed=0)  # 578, B: 65 fewer
    codes = scan(on_business_date)
    assert {"score_drop", "grade_downgrade"} <= codes
    # The points with the day of the assessment they dropped from.
    alert = Alert.objects.get(rule__code="score_drop")
    previous = customer.assessments.order_by("-assessed_at", "-id")[1]
    since = timezone.localdate(previous.assessed_at).isoformat()
    assert alert.shown_value() == f"\u221265 points since {since}"


def statement(officer, customer, year, **figures):
    return credit_services.statement_record(
        actor=officer,
        statement=FinancialStatement(
            customer=customer,
            period_end=dt.date(year, 12, 31),
            **{name: Decimal(str(value)) for name, value in figures.items()},
        ),
    )


def test_dti_limit_and_income_drop(alice, on_business_date):
    customer = factories.individual(alice)
    statement(alice, customer, 2024, annual_income=100000, debt_service=50000)
    statement(alice, customer, 2025, annual_income=80000, debt_service=44000)
    codes = scan(on_business_date)
    assert "dti_limit" not in codes  # 0.55 is the limit, not above it
    assert "revenue_drop" not in codes  # exactly 20% down
    FinancialStatement.objects.filter(customer=customer, period_end__year=2025).update(
        debt_service=Decimal("44001"), annual_income=Decimal("79999")
    )
    codes = scan(on_business_date)
    assert {"dti_limit", "revenue_drop"} <= codes


def test_dscr_limit(alice, on_business_date):
    customer = factories.enterprise(alice)
    statement(alice, customer, 2025, operating_cash_flow=100, debt_service=100)
    assert "dscr_limit" not in scan(on_business_date)
    FinancialStatement.objects.update(operating_cash_flow=Decimal("99"))
    assert "dscr_limit" in scan(on_business_date)


def test_ltv_limit_and_collateral_revaluation(alice, risky_loan):
    collateral = Collateral.objects.create(
        application=risky_loan.application,
        collateral_type="real_estate",
        description="Flat",
        owner_name="x",
        value=Decimal("150000"),
        valued_on=dt.date(2025, 1, 1),
    )
    from lending.models import CollateralValuation

    CollateralValuation.objects.create(
        collateral=collateral,
        value=collateral.value,
        valued_on=collateral.valued_on,
        recorded_by=alice,
    )
    on = dt.date(2025, 2, 1)
    assert not {"ltv_limit", "collateral_down"} & scan(on)  # 120,000 / 150,000 = 0.80
    lending_services.collateral_revalue(
        actor=alice, collateral=collateral, value=Decimal("119000"), valued_on=on
    )
    assert {"ltv_limit", "collateral_down"} <= scan(on)  # down 20.67%, LTV 1.0084


def test_collateral_down_is_one_alert_per_loan_with_its_steepest_fall(alice, risky_loan):
    """Several items of one loan revalued down: one alert on the loan, its value the largest
    fall past the threshold (20%); an item down less, or one not revalued, changes nothing."""
    from lending.models import CollateralValuation

    items = []
    for description in ("Flat", "Warehouse", "Van", "Shop"):
        item = Collateral.objects.create(
            application=risky_loan.application,
            collateral_type="real_estate",
            description=description,
            owner_name="x",
            value=Decimal("100000"),
            valued_on=dt.date(2025, 1, 1),
        )
        CollateralValuation.objects.create(
            collateral=item, value=item.value, valued_on=item.valued_on, recorded_by=alice
        )
        items.append(item)
    flat, warehouse, van, _shop = items
    on = dt.date(2025, 2, 1)
    lending_services.collateral_revalue(
        actor=alice, collateral=van, value=Decimal("90000"), valued_on=on
    )
    assert "collateral_down" not in scan(on)  # down 10%
    for item, value in ((flat, "75000"), (warehouse, "60000")):
        lending_services.collateral_revalue(
            actor=alice, collateral=item, value=Decimal(value), valued_on=on
        )
    scan(on)
    alert = Alert.objects.get(rule__code="collateral_down")
    assert (alert.loan, alert.value) == (risky_loan, "0.4000")


def test_industry_watch_list(alice, mary, consumer_product, on_business_date):
    from customers.models import Industry
    from lending.models import LoanProduct
    from tests.risk.conftest import disbursed_loan

    customer = factories.enterprise(alice)
    customer.grade = "A"
    customer.save(update_fields=["grade"])
    credit_services.assessment_create(actor=alice, customer=customer, inputs={}, expert_comments={})
    Customer.objects.filter(pk=customer.pk).update(grade="A")
    customer.refresh_from_db()
    disbursed_loan(
        alice,
        mary,
        customer,
        LoanProduct.objects.get(code="WC-01"),
        amount="200000",
        term=12,
        on=dt.date(2026, 3, 1),
    )
    assert "industry_watch" not in scan(on_business_date)
    IndustryWatch.objects.create(industry=Industry.objects.get(code="C"), reason="Overcapacity")
    assert "industry_watch" in scan(on_business_date)


@pytest.mark.parametrize(
    "kind", ["lawsuit", "negative_news", "ownership_change", "covenant_breach"]
)
def test_manual_signals_raise_their_rule_until_withdrawn(alice, kind, on_business_date):
    from risk import services

    customer = factories.enterprise(alice)
    signal = services.signal_raise(
        actor=alice, signal=ManualSignal(customer=customer, kind=kind, note="Reported by the press")
    )
    assert kind in scan(on_business_date)
    services.signal_withdraw(actor=alice, signal=signal)
    assert kind not in scan(on_business_date)


def test_no_contact_with_a_risky_customer(alice, on_business_date):
    customer = factories.individual(alice)
    Customer.objects.filter(pk=customer.pk).update(
        risk_level="high", assigned_at=timezone.now() - dt.timedelta(days=400)
    )
    Interaction.objects.create(
        customer=customer,
        officer=alice,
        channel="phone",
        summary="x",
        occurred_at=timezone.make_aware(dt.datetime(2025, 12, 16, 10)),
    )
    assert "no_contact" not in scan(dt.date(2026, 3, 15))  # 89 days
    assert "no_contact" in scan(dt.date(2026, 3, 16))  # 90 days


def test_complaint_past_sla(alice, on_business_date):
    customer = factories.individual(alice)
    complaint = Complaint.objects.create(
        customer=customer,
        category="service",
        severity="low",
        description="x",
        owner=alice,
        sla_due_at=timezone.now() + dt.timedelta(hours=1),
    )
    assert "complaint_sla" not in scan(on_business_date)
    Complaint.objects.filter(pk=complaint.pk).update(
        sla_due_at=timezone.now() - dt.timedelta(minutes=1)
    )
    assert "complaint_sla" in scan(on_business_date)


def test_maturity_without_renewal(alice, mary, graded_customer, consumer_product):
    from tests.risk.conftest import disbursed_loan

    loan = disbursed_loan(
        alice, mary, graded_customer, consumer_product, term=12, on=dt.date(2025, 1, 10)
    )
    assert "maturity_no_renewal" not in scan(dt.date(2025, 12, 10))  # 31 days left
    assert "maturity_no_renewal" in scan(dt.date(2025, 12, 11))  # 30 days left
    assert Alert.objects.get(rule__code="maturity_no_renewal").loan == loan


def test_a_disabled_rule_raises_nothing(risky_loan):
    from risk.models import EarlyWarningRule

    EarlyWarningRule.objects.filter(code="dpd_1").update(enabled=False)
    assert "dpd_1" not in scan(dt.date(2025, 2, 20))


def test_a_changed_threshold_takes_effect_at_the_next_scan(risky_loan):
    from risk.models import EarlyWarningRule

    EarlyWarningRule.objects.filter(code="dpd_30").update(threshold=Decimal("5"))
    assert "dpd_30" in scan(dt.date(2025, 2, 20))
