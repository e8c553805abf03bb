"""A risk officer changing an early-warning rule or the risk-level policy sees, before saving,
what the change would do to the book today: the alerts raised, cleared or moved by severity
and branch, the risk levels moving, with the customers concerned as far as the user's view
reaches (the counts cover that view; the rest is one number, "outside your view"). Nothing is
written."""

import datetime as dt

import pytest
from django.db import connection
from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils import timezone

from risk import jobs
from risk.models import EarlyWarningRule, RiskLevelPolicy
from risk.rule_preview import (
    CLEARED,
    MOVED,
    RAISED,
    policy_change_preview,
    rule_change_preview,
)
from tests.customers import factories

ON = dt.date(2026, 11, 18)  # the suite's frozen business day
ACTIVE = ("open", "acknowledged", "in_progress")


@pytest.fixture(autouse=True)
def _business_day(settings):
    settings.BUSINESS_DATE = ON


def customer(officer, name, *, born: dt.date, uncontacted_days: int, grade: str = ""):
    """A customer of `officer` nobody has contacted since they were assigned
    `uncontacted_days` ago (the no-contact rule reads the assignment date)."""
    created = factories.individual(
        officer, name=name, resident_id=factories.resident_id(born), grade=grade
    )
    type(created).objects.filter(pk=created.pk).update(
        assigned_at=timezone.now() - dt.timedelta(days=uncontacted_days)
    )
    return created


@pytest.fixture
def book(alice, bob, charlie):
    """Five customers, all medium risk (never assessed), none ever contacted: two for 120
    days (past the rule's 90), three for 60; and one contacted recently. After tonight's
    scan the no-contact rule has an alert open on the two past 90 days."""
    people = {
        "Ann": customer(alice, "Ann", born=dt.date(1980, 1, 1), uncontacted_days=120),
        "Abe": customer(alice, "Abe", born=dt.date(1980, 1, 2), uncontacted_days=60),
        "Bo": customer(bob, "Bo", born=dt.date(1980, 1, 3), uncontacted_days=60),
        "Cy": customer(charlie, "Cy", born=dt.date(1980, 1, 4), uncontacted_days=120),
        "Cal": customer(charlie, "Cal", born=dt.date(1980, 1, 5), uncontacted_days=60),
        "Dee": customer(alice, "Dee", born=dt.date(1980, 1, 6), uncontacted_days=5),
    }
    run = jobs.run_synchronously(jobs.NIGHTLY, ON, full=True)
    assert run.status == "done", run.failures
    assert open_no_contact() == {"Ann", "Cy"}
    return people


def open_no_contact() -> set[str]:
    from risk.models import Alert

    return set(
        Alert.objects.filter(indicator="no_contact", status__in=ACTIVE).values_list(
            "customer__name", flat=True
        )
    )


def no_contact_rule(**proposed) -> EarlyWarningRule:
    """The no-contact rule with the proposed values, unsaved (as the admin form leaves it)."""
    rule = EarlyWarningRule.objects.get(code="no_contact")
    for name, value in proposed.items():
        setattr(rule, name, value)
    return rule


def counts(preview) -> dict:
    return {(row.change, row.before, row.after, row.branch): row.count for row in preview.counts}


def sample(preview) -> list:
    return [(row.change, row.name) for row in preview.sample]


def test_a_lower_threshold_raises_the_alerts_of_the_customers_past_it(book, rita):
    preview = rule_change_preview(user=rita, rule=no_contact_rule(threshold=30))

    # The three uncontacted for 60 days, yellow like the rule; the 120-day alerts stay.
    assert counts(preview) == {
        (RAISED, "", "yellow", "North"): 2,
        (RAISED, "", "yellow", "South"): 1,
    }
    assert sample(preview) == [(RAISED, "Abe"), (RAISED, "Bo"), (RAISED, "Cal")]
    assert preview.outside_view == 0
    assert preview.total(RAISED) == 3
    # The same proposal with an orange severity raises them orange, and the rule's open
    # 120-day alerts take its new severity (risk.rule_severity).
    orange = rule_change_preview(user=rita, rule=no_contact_rule(threshold=30, severity="orange"))
    assert counts(orange) == {
        (RAISED, "", "orange", "North"): 2,
        (RAISED, "", "orange", "South"): 1,
        (MOVED, "yellow", "orange", "North"): 1,
        (MOVED, "yellow", "orange", "South"): 1,
    }


def test_a_higher_threshold_clears_the_alerts_below_it(book, rita):
    preview = rule_change_preview(user=rita, rule=no_contact_rule(threshold=150))

    assert counts(preview) == {
        (CLEARED, "yellow", "", "North"): 1,
        (CLEARED, "yellow", "", "South"): 1,
    }
    assert sample(preview) == [(CLEARED, "Ann"), (CLEARED, "Cy")]
    # Unchanged values: the next scan changes nothing, and neither does the preview.
    assert rule_change_preview(user=rita, rule=no_contact_rule()).nothing_changes


def test_a_new_severity_moves_the_open_alerts_of_the_rule(book, rita):
    """The open alerts take their rule's edited severity at the next night
    (risk.rule_severity): the preview shows them moving."""
    preview = rule_change_preview(user=rita, rule=no_contact_rule(severity="red"))

    assert counts(preview) == {
        (MOVED, "yellow", "red", "North"): 1,
        (MOVED, "yellow", "red", "South"): 1,
    }
    assert sample(preview) == [(MOVED, "Ann"), (MOVED, "Cy")]


def test_a_step_added_to_the_ladder_moves_the_alerts_that_reach_it(book, rita):
    """A second, orange step of the no-contact ladder at 180 days: lowered to 100, the two
    alerts past 120 days would climb to it."""
    saved = EarlyWarningRule.objects.get(code="no_contact")
    worse = EarlyWarningRule.objects.create(
        code="no_contact_180",
        indicator="no_contact",
        name="No contact for half a year",
        threshold=180,
        severity="orange",
        risk_type=saved.risk_type,
        suggested_response=saved.suggested_response,
        sla_hours=24,
    )
    worse.threshold = 100
    preview = rule_change_preview(user=rita, rule=worse)

    assert counts(preview) == {
        (MOVED, "yellow", "orange", "North"): 1,
        (MOVED, "yellow", "orange", "South"): 1,
    }
    assert sample(preview) == [(MOVED, "Ann"), (MOVED, "Cy")]


def test_an_officer_sees_their_customers_and_only_a_number_for_the_others(book, alice, mary):
    preview = rule_change_preview(user=alice, rule=no_contact_rule(threshold=30))

    # Abe is alice's; Bo (bob's, North) and Cal (South) are only counted.
    assert counts(preview) == {(RAISED, "", "yellow", "North"): 1}
    assert sample(preview) == [(RAISED, "Abe")]
    assert preview.outside_view == 2
    # The North manager sees the branch, and South's customer as a number.
    branch = rule_change_preview(user=mary, rule=no_contact_rule(threshold=30))
    assert counts(branch) == {(RAISED, "", "yellow", "North"): 2}
    assert sample(branch) == [(RAISED, "Abe"), (RAISED, "Bo")]
    assert branch.outside_view == 1


def test_a_policy_change_moves_the_levels_of_the_customers_it_reaches(alice, charlie, rita):
    graded = {
        "Ann": customer(alice, "Ann", born=dt.date(1980, 1, 1), uncontacted_days=1, grade="BBB"),
        "Abe": customer(alice, "Abe", born=dt.date(1980, 1, 2), uncontacted_days=1, grade="A"),
        "Cy": customer(charlie, "Cy", born=dt.date(1980, 1, 4), uncontacted_days=1, grade="BBB"),
        "Cal": customer(charlie, "Cal", born=dt.date(1980, 1, 5), uncontacted_days=1, grade="B"),
    }
    run = jobs.run_synchronously(jobs.NIGHTLY, ON, full=True)
    assert run.status == "done", run.failures
    levels = {
        name: person.__class__.objects.get(pk=person.pk).risk_level
        for name, person in graded.items()
    }
    assert levels == {"Ann": "low", "Abe": "low", "Cy": "low", "Cal": "medium"}

    policy = RiskLevelPolicy.objects.get()
    policy.medium_grade_from = "BBB"  # was BB: the two BBB customers become medium
    policy.high_grade_from = "B"  # was CCC: the B customer becomes high
    preview = policy_change_preview(user=rita, policy=policy)

    assert counts(preview) == {
        (MOVED, "low", "medium", "North"): 1,
        (MOVED, "low", "medium", "South"): 1,
        (MOVED, "medium", "high", "South"): 1,
    }
    assert sample(preview) == [(MOVED, "Ann"), (MOVED, "Cal"), (MOVED, "Cy")]
    # alice sees her own customer move; charlie's two are a number.
    own = policy_change_preview(user=alice, policy=policy)
    assert sample(own) == [(MOVED, "Ann")]
    assert own.outside_view == 2


def test_the_preview_answers_in_a_bounded_number_of_queries(book, rita, django_assert_num_queries):
    rule = no_contact_rule(threshold=30)
    policy = RiskLevelPolicy.objects.get()
    # The rule's ladder, then the savepoint, the read-only and timeout settings, the one
    # statement, the rollback to the savepoint and its release: whatever the size of the book.
    with django_assert_num_queries(7):
        rule_change_preview(user=rita, rule=rule)
    with django_assert_num_queries(6):
        policy_change_preview(user=rita, policy=policy)


TABLES = [
    "risk_alert",
    "risk_alertaction",
    "risk_riskhistory",
    "risk_earlywarningrule",
    "risk_risklevelpolicy",
    "customers_customer",
    "audit_auditevent",
    "risk_pendingcustomer",
]


def table_state() -> dict:
    """Each table's rows, as text: any insert, update or delete shows."""
    state = {}
    with connection.cursor() as cursor:
        for table in TABLES:
            rows = "md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')), count(*)"
            cursor.execute(f"SELECT {rows} FROM {table} t")  # noqa: S608 - TABLES above
            state[table] = cursor.fetchone()
    return state


def rule_form(rule: EarlyWarningRule, **changes) -> dict:
    data = model_to_dict(
        rule,
        fields=[
            "name",
            "description",
            "enabled",
            "threshold",
            "severity",
            "risk_type",
            "suggested_response",
            "sla_hours",
            "auto_resolve",
        ],
    )
    data.update(changes)
    # Unticked checkboxes are not posted.
    return {name: value for name, value in data.items() if value is not False and value is not None}


def test_the_admin_previews_a_rule_change_for_the_risk_officer_and_saves_nothing(
    book, client_for, rita
):
    rule = EarlyWarningRule.objects.get(code="no_contact")
    url = reverse("admin:risk_earlywarningrule_change", args=[rule.pk])
    client = client_for(rita)
    page = client.get(url)
    assert 'name="_preview"' in page.content.decode()
    before = table_state()

    response = client.post(url, {**rule_form(rule, threshold="30"), "_preview": "Preview"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "change-preview" in html
    assert "Would be raised: <strong>3</strong>" in html
    for name in ("Abe", "Bo", "Cal"):
        assert f">{name}</a>" in html
    # The form shows the proposal, still to be saved.
    assert 'name="threshold" value="30"' in html
    assert table_state() == before
    assert EarlyWarningRule.objects.get(pk=rule.pk).threshold == 90


def test_the_policy_preview_in_chinese(book, client_for, rita):
    policy = RiskLevelPolicy.objects.get()
    url = reverse("admin:risk_risklevelpolicy_change", args=[policy.pk])
    data = {
        name: value
        for name, value in model_to_dict(policy).items()
        if name != "id" and value is not None
    }
    client = client_for(rita)
    before = table_state()

    # Never-assessed customers are medium by the policy: made low, they would move.
    response = client.post(
        url,
        {**data, "unassessed_level": "low", "_preview": "预览"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    assert response.status_code == 200
    assert "change-preview-counts" in response.content.decode()
    assert table_state() == before


def test_invalid_input_comes_back_with_its_error_and_status_400(book, client_for, rita):
    rule = EarlyWarningRule.objects.get(code="no_contact")
    url = reverse("admin:risk_earlywarningrule_change", args=[rule.pk])
    before = table_state()

    response = client_for(rita).post(
        url, {**rule_form(rule, threshold="many", severity="purple"), "_preview": "Preview"}
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter a number." in html
    assert "change-preview-counts" not in html
    assert table_state() == before


def test_an_officer_cannot_reach_the_preview(book, client_for, alice):
    rule = EarlyWarningRule.objects.get(code="no_contact")
    url = reverse("admin:risk_earlywarningrule_change", args=[rule.pk])
    before = table_state()

    response = client_for(alice).post(
        url, {**rule_form(rule, threshold="30"), "_preview": "Preview"}
    )

    # Not staff: admin sends her to its login page, and nothing is computed or written.
    assert response.status_code in (302, 403, 404)
    assert "change-preview" not in response.content.decode()
    assert table_state() == before
