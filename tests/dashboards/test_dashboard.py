import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from dashboards import selectors
from risk import jobs
from tests.risk.conftest import disbursed_loan


def test_kpis_on_a_known_book(client_for, mary, book):
    response = client_for(mary).get(reverse("dashboards:dashboard"))
    portfolio = response.context["portfolio"]
    assert portfolio["customers"] == 2
    assert portfolio["loans"] == 2
    assert portfolio["exposure"] == Decimal("180000.00")
    # The risky loan is 111 days past due on 1 June 2025: substandard, so NPL.
    assert portfolio["npl"] == Decimal("120000.00")
    assert portfolio["npl_ratio"] == Decimal("0.6667")
    buckets = {key: value for key, _label, value in portfolio["buckets"]}
    assert buckets["91-180"] == Decimal("120000.00")
    assert sum(buckets.values()) == Decimal("120000.00")
    assert response.context["alerts"]["red"] >= 1


def test_drill_down_lands_on_exactly_the_counted_loans(client_for, mary, book):
    client = client_for(mary)
    response = client.get(reverse("dashboards:dashboard"))
    substandard = next(bar for bar in response.context["by_class"] if bar["label"] == "Substandard")
    assert substandard["value"] == Decimal("120000.00")
    listed = client.get(substandard["url"])
    assert [loan for loan, _dpd in listed.context["loans"]] == [book["risky"]]
    bucket = next(bar for bar in response.context["buckets"] if bar["label"] == "91–180 days")
    assert [loan for loan, _dpd in client.get(bucket["url"]).context["loans"]] == [book["risky"]]


def test_scope_officer_manager_and_head_office(client_for, alice, charlie, rita, book):
    assert client_for(charlie).get(reverse("dashboards:dashboard")).context["portfolio"][
        "exposure"
    ] == Decimal("30000.00")
    assert client_for(alice).get(reverse("dashboards:dashboard")).context["portfolio"][
        "exposure"
    ] == Decimal("180000.00")
    whole = client_for(rita).get(reverse("dashboards:dashboard"))
    assert whole.context["portfolio"]["exposure"] == Decimal("210000.00")
    south = client_for(rita).get(reverse("dashboards:dashboard"), {"branch": charlie.branch_id})
    assert south.context["portfolio"]["exposure"] == Decimal("30000.00")
    # A branch filter is not a way out of one's scope.
    mine = client_for(alice).get(reverse("dashboards:dashboard"), {"branch": charlie.branch_id})
    assert mine.context["portfolio"]["exposure"] == Decimal("180000.00")


def test_league_table(client_for, mary, book):
    rows = {
        row["officer"].username: row
        for row in client_for(mary).get(reverse("dashboards:dashboard")).context["league"]
    }
    assert set(rows) == {"alice", "bob"}
    assert rows["alice"]["exposure"] == Decimal("180000.00")
    assert rows["alice"]["overdue_ratio"] == Decimal("0.6667")
    assert rows["bob"]["customers"] == 0


def test_classification_migration_matrix(mary, book):
    matrix = selectors.migration_matrix(
        selectors.Scope(user=mary), "classification", dt.date(2025, 4, 1), dt.date(2025, 6, 1)
    )
    cells = {label: counts for label, counts in matrix["rows"]}
    # The risky loan: special mention on 1 April (50 days), substandard on 1 June.
    assert cells["Special mention"] == [0, 0, 1, 0, 0]
    assert matrix["total"] == 1
    amounts = {label: row for label, row in matrix["exposure_rows"]}
    # Never repaid: on 1 April it still carried its whole 120,000.
    assert amounts["Special mention"][2] == Decimal("120000.00")
    # Grade rows are dated by their assessment (made today in these tests).
    from django.utils import timezone

    today = timezone.localdate()
    grades = selectors.migration_matrix(selectors.Scope(user=mary), "grade", today, today)
    diagonal = [row[index] for index, (_label, row) in enumerate(grades["rows"])]
    assert sum(diagonal) == grades["total"] == 2


def test_pipeline_and_relationship_kpis(mary, book):
    from django.utils import timezone

    scope = selectors.Scope(user=mary)
    pipeline = selectors.pipeline_kpis(scope, timezone.now())
    assert pipeline["stages"]["disbursed"] == 2
    assert pipeline["approval_rate"] == Decimal("1.0000")
    assert pipeline["median_hours_to_decision"] is not None
    assert selectors.relationship_kpis(scope, book["day"])["csat"] is None


@pytest.mark.parametrize("extra_loans", [0, 3])
def test_dashboard_query_count_does_not_grow_with_the_book(
    client_for, mary, alice, book, extra_loans, consumer_product, django_assert_num_queries
):
    from tests.customers import factories
    from tests.risk.conftest import assessed

    for index in range(extra_loans):
        customer = assessed(alice, factories.individual(alice, name=f"客户{index}"))
        disbursed_loan(
            alice, mary, customer, consumer_product, amount="20000", on=dt.date(2025, 5, 10)
        )
    client = client_for(mary)
    client.get(reverse("dashboards:dashboard"))
    # Computing afresh: a fixed set of aggregate queries (today's loan figures and charts
    # from the book figures in one, the customer count, the earlier snapshot, the NPS by
    # month, the league table's grouped figures, the migration matrix, the alert (one each)
    # and relationship figures now and at the comparison date, the pipeline's now and then
    # in one statement over the scope's applications gathered once), the
    # activity figures kept, and the snapshots over the period for the trend charts (one
    # grouped query), whatever the number of loans. The provision cards add three: the loans'
    # figures in one aggregate, the undrawn facilities' by stage in one, and the provisioning
    # setting in force (the minimums). The largest exposures: the tier-1 capital in force (no
    # limits' query without one), the ten largest customers and the ten largest groups.
    with django_assert_num_queries(31):
        client.get(reverse("dashboards:dashboard"), {"refresh": "1"})
    # Served from the kept activity figures: session, user, products, industries, the kept
    # figures, the league's officers, the book figures, the earlier snapshot, the matrix,
    # the snapshots' trend; and the provision cards' setting in force (their figures, the
    # loans' and the undrawn facilities', are kept with the activity figures: two queries
    # fewer); and the largest exposures (capital, customers, groups).
    with django_assert_num_queries(14):
        client.get(reverse("dashboards:dashboard"))


def test_managers_land_on_the_dashboard_and_officers_on_today(client_for, alice, mary):
    assert client_for(mary).get("/").url == reverse("dashboards:dashboard")
    assert client_for(alice).get("/").url == reverse("today")


def test_trend_against_an_earlier_snapshot(client_for, mary, book):
    from dashboards.models import PortfolioSnapshot
    from dashboards.services import portfolio_snapshot

    earlier = dt.date(2025, 5, 1)
    assert portfolio_snapshot(on=earlier) > 0
    assert portfolio_snapshot(on=earlier) == 0  # nothing changed: nothing written
    PortfolioSnapshot.objects.filter(taken_on=earlier).update(
        exposure=Decimal("0"), npl_exposure=Decimal("0")
    )
    PortfolioSnapshot.objects.filter(taken_on=earlier, officer__username="alice").update(
        exposure=Decimal("100000"), customers=1
    )
    response = client_for(mary).get(reverse("dashboards:dashboard"), {"compare": "2025-05-01"})
    trend = response.context["trend"]
    assert trend["exposure"] == Decimal("80000.00")
    assert trend["customers"] == 1
    assert trend["npl_ratio"] == Decimal("0.6667")
    missing = client_for(mary).get(reverse("dashboards:dashboard"), {"compare": "2020-01-01"})
    assert missing.context["trend"] == {}
    assert "No snapshot of 2020-01-01" in missing.content.decode()


def test_nps_trend_by_month(alice, mary, graded_customer):
    from customers import services
    from customers.models import Survey

    for day, score in (
        (dt.date(2025, 4, 3), 10),
        (dt.date(2025, 4, 20), 3),
        (dt.date(2025, 5, 2), 9),
    ):
        services.survey_record(
            actor=alice,
            survey=Survey(
                customer=graded_customer,
                event="periodic",
                source="call",
                nps=score,
                responded_on=day,
            ),
        )
    trend = selectors.nps_trend(selectors.Scope(user=mary), dt.date(2025, 6, 1))
    assert [(month.strftime("%Y-%m"), nps, n) for month, nps, n in trend] == [
        ("2025-04", 0, 2),
        ("2025-05", 100, 1),
    ]


@pytest.mark.parametrize("slug", ["portfolio", "overdue", "alerts", "pipeline", "relationship"])
def test_every_report_page_and_export_respects_scope(client_for, mary, charlie, book, slug):
    import io

    from openpyxl import load_workbook

    url = reverse("dashboards:report", args=[slug])
    page = client_for(mary).get(url)
    assert page.status_code == 200
    csv_body = b"".join(client_for(mary).get(url, {"export": "csv"}).streaming_content)
    xlsx = client_for(mary).get(url, {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    assert [cell for cell in next(sheet.iter_rows(values_only=True))] == page.context["headers"]
    # charlie's South loan never shows up in mary's North reports, nor North in his.
    assert "南方客户" not in csv_body.decode("utf-8-sig")
    theirs = b"".join(client_for(charlie).get(url, {"export": "csv"}).streaming_content)
    assert "王小明" not in theirs.decode("utf-8-sig")


def test_overdue_report_lists_exactly_the_overdue_loans(client_for, mary, book):
    page = client_for(mary).get(reverse("dashboards:report", args=["overdue"]), {"dpd": "91-180"})
    assert [row[0] for row in page.context["table"]] == [book["risky"].account_number]
    empty = client_for(mary).get(reverse("dashboards:report", args=["overdue"]), {"dpd": "1-30"})
    assert empty.context["table"] == []


def test_report_exports_neutralise_formulas(client_for, alice, book):
    from customers.models import Interaction

    Interaction.objects.create(
        customer=book["risky"].customer,
        officer=alice,
        channel="phone",
        summary='=HYPERLINK("http://x")',
    )
    body = b"".join(
        client_for(alice)
        .get(reverse("dashboards:report", args=["relationship"]), {"export": "csv"})
        .streaming_content
    ).decode("utf-8-sig")
    assert "'=HYPERLINK" in body


def test_unknown_report_or_format_is_404(client_for, mary):
    assert client_for(mary).get(reverse("dashboards:report", args=["secrets"])).status_code == 404
    assert (
        client_for(mary)
        .get(reverse("dashboards:report", args=["alerts"]), {"export": "pdf"})
        .status_code
        == 404
    )


def test_branch_filter_travels_with_the_drill_down(client_for, rita, charlie, book):
    client = client_for(rita)
    response = client.get(reverse("dashboards:dashboard"), {"branch": charlie.branch_id})
    bar = next(bar for bar in response.context["by_class"] if bar["value"])
    assert f"branch={charlie.branch_id}" in bar["url"]
    listed = client.get(bar["url"])
    assert [loan for loan, _dpd in listed.context["loans"]] == [book["south"]]
    # Another branch's filter never widens an officer's scope.
    alice_view = client_for(book["risky"].customer.officer).get(
        reverse("lending:loan-list"), {"branch": charlie.branch_id}
    )
    assert alice_view.context["loans"] == []


def test_alert_and_pipeline_figures_as_they_stood_earlier(mary, book):
    from django.utils import timezone

    from risk.models import Alert

    scope = selectors.Scope(user=mary)
    now = timezone.now()
    current = selectors.alert_kpis(scope, now)
    # Before any alert was raised, none was active.
    before = selectors.alert_kpis(
        scope, Alert.objects.order_by("raised_at").first().raised_at - dt.timedelta(seconds=1)
    )
    assert (before["red"], before["orange"], before["yellow"]) == (0, 0, 0)
    assert current["red"] + current["orange"] + current["yellow"] > 0
    deltas = selectors.trend(current, before, ("red", "orange", "yellow"))
    assert deltas["red"] == current["red"]
    # Both loans were disbursed through the pipeline today: none in it now, and earlier
    # today (before the first submission) none either.
    assert selectors.pipeline_kpis(scope, now)["in_pipeline"] == 0


def test_every_chart_links_to_the_list_behind_it(client_for, rita, charlie, book):
    response = client_for(rita).get(reverse("dashboards:dashboard"), {"branch": charlie.branch_id})
    client = client_for(rita)
    for bar in response.context["alert_ages"] + response.context["funnel"]:
        assert f"branch={charlie.branch_id}" in bar["url"]
        assert client.get(bar["url"]).status_code == 200
    for chart in ("by_grade", "by_class", "by_product", "buckets"):
        for bar in response.context[chart]:
            listed = client.get(bar["url"]).context["loans"]
            total = sum((loan.outstanding_principal for loan, _dpd in listed), Decimal(0))
            assert total == bar["value"], (chart, bar["label"])
    applications = client.get(
        next(bar["url"] for bar in response.context["funnel"] if bar["value"])
    )
    assert {app.customer.branch_id for app in applications.context["applications"]} == {
        charlie.branch_id
    }


def test_industry_bar_lands_on_the_loans_of_that_industry(
    client_for, alice, mary, consumer_product, book
):
    from lending.models import LoanProduct
    from tests.customers import factories
    from tests.risk.conftest import assessed

    firm = factories.enterprise(alice, name="行业客户")
    assessed(alice, firm)
    from customers.models import Customer

    Customer.objects.filter(pk=firm.pk).update(grade="A")
    firm.refresh_from_db()
    loan = disbursed_loan(
        alice,
        mary,
        firm,
        LoanProduct.objects.get(code="WC-01"),
        amount="200000",
        term=12,
        on=dt.date(2025, 5, 10),
    )
    client = client_for(mary)
    bar = client.get(reverse("dashboards:dashboard")).context["by_industry"][0]
    assert [row[0] for row in client.get(bar["url"]).context["loans"]] == [loan]


def test_overdue_buckets_trend_from_the_snapshot(client_for, mary, book):
    from dashboards.services import portfolio_snapshot

    portfolio_snapshot(on=dt.date(2025, 6, 1))
    response = client_for(mary).get(reverse("dashboards:dashboard"), {"compare": "2025-06-01"})
    deltas = {bar["label"]: bar["delta"] for bar in response.context["buckets"]}
    # Nothing moved since the snapshot: every bucket's change is zero.
    assert set(deltas.values()) == {Decimal("0.00")}
    plain = {bar["label"]: bar["delta"] for bar in response.context["by_grade"]}
    assert set(plain.values()) == {None}


# --- today's book figures (dashboards/figures.py) against the live book ---------------------

LIVE_FIELDS = ("customer__grade", "risk__final_class", "product", "customer__industry")


def _live(scope):
    """Today's figures aggregated live over the active loans in scope (the dashboard's
    former way), to compare with what it now reads from the book figures."""
    from django.db.models import Count, Q, Sum

    from accounts.scope import scope_queryset
    from lending.models import Loan

    loans = scope_queryset(
        scope.user,
        Loan.objects.filter(status="active"),
        officer_field="customer__officer",
        branch_field="customer__branch",
    )
    if scope.branch:
        loans = loans.filter(customer__branch=scope.branch)
    totals = loans.aggregate(
        loans=Count("id"),
        exposure=Sum("outstanding_principal"),
        npl=Sum("outstanding_principal", filter=Q(risk__final_class__gte=3)),
        overdue=Sum("outstanding_principal", filter=Q(risk__dpd__gte=1)),
        b1=Sum("outstanding_principal", filter=Q(risk__dpd__gte=1, risk__dpd__lte=30)),
        b4=Sum("outstanding_principal", filter=Q(risk__dpd__gte=91, risk__dpd__lte=180)),
    )
    by = {
        field: {
            key: (total, n)
            for key, total, n in loans.order_by()
            .values_list(field)
            .annotate(total=Sum("outstanding_principal"), n=Count("id"))
        }
        for field in LIVE_FIELDS
    }
    return totals, by


def _assert_figures_match_the_book(*scopes):
    zero = Decimal("0")
    for scope in scopes:
        scope = selectors.Scope(user=scope[0], branch=scope[1])
        totals, by = _live(scope)
        kpis = selectors.portfolio_kpis(scope)
        buckets = {key: value for key, _label, value in kpis["buckets"]}
        assert (kpis["loans"], kpis["exposure"], kpis["npl"], kpis["overdue"]) == (
            totals["loans"],
            totals["exposure"] or zero,
            totals["npl"] or zero,
            totals["overdue"] or zero,
        ), scope
        assert (buckets["1-30"], buckets["91-180"]) == (totals["b1"] or zero, totals["b4"] or zero)
        for field in LIVE_FIELDS:
            read = {key: (total, n) for key, total, n in selectors.exposure_by(scope, field)}
            assert read == by[field], (scope, field)


@pytest.fixture
def every_scope(alice, bob, charlie, mary, rita):
    return [
        (alice, None),
        (bob, None),
        (charlie, None),
        (mary, None),
        (rita, None),
        (rita, charlie.branch),
        (rita, mary.branch),
        (alice, charlie.branch),  # a branch filter outside one's scope shows nothing more
    ]


def _nonzero_figures():
    from dashboards.models import BookFigure

    return sorted(
        (row.officer_id, row.branch_id, row.dimension, row.key, row.loans, row.exposure)
        for row in BookFigure.objects.exclude(loans=0, exposure=0)
    )


def test_book_figures_equal_the_live_book_after_the_nightly_job(book, every_scope):
    from dashboards import figures

    _assert_figures_match_the_book(*every_scope)
    kept = _nonzero_figures()
    assert kept  # maintained as the book was written, without a rebuild
    figures.rebuild()
    assert _nonzero_figures() == kept
    assert figures.rebuild() == 0  # nothing left to write


def test_book_figures_follow_payments_disbursements_and_classification(
    alice, bob, charlie, mary, rita, book, every_scope, consumer_product
):
    from dashboards import figures
    from lending import services as lending_services
    from risk import services as risk_services
    from risk.models import LoanRisk
    from tests.customers import factories
    from tests.risk.conftest import assessed

    # A prepayment lowers the outstanding principal; its reversal restores it.
    payment = lending_services.repayment_post(
        actor=alice,
        loan=book["current"],
        amount=Decimal("10000"),
        paid_on=book["day"],
        channel="transfer",
        reference="PREPAY-1",
        allow_prepayment=True,
    )
    book["current"].refresh_from_db()
    assert book["current"].outstanding_principal < Decimal("60000")
    _assert_figures_match_the_book(*every_scope)
    proposal, _created = lending_services.repayment_reversal_propose(
        actor=alice, repayment=payment, reason="Posted twice"
    )
    lending_services.repayment_reversal_approve(actor=mary, proposal=proposal)
    _assert_figures_match_the_book(*every_scope)

    # A disbursement to a new customer of bob's.
    newcomer = assessed(bob, factories.individual(bob, name="新客户"))
    disbursed_loan(bob, mary, newcomer, consumer_product, amount="40000", on=book["day"])
    _assert_figures_match_the_book(*every_scope)

    # A manager's override moves a current loan to doubtful (NPL), then is cleared.
    risk = LoanRisk.objects.get(loan=book["current"])
    risk_services.classification_override(
        actor=mary,
        loan_risk=risk,
        loan_class=4,
        reason="Fraud suspected",
        until=book["day"] + dt.timedelta(days=30),
    )
    assert selectors.portfolio_kpis(selectors.Scope(user=mary))["npl"] == Decimal("180000.00")
    _assert_figures_match_the_book(*every_scope)
    # Ending it lowers the class: proposed by mary, in force once rita approves.
    proposal = risk_services.classification_override_clear(
        actor=mary, loan_risk=risk, reason="Fraud ruled out"
    )
    _assert_figures_match_the_book(*every_scope)
    risk_services.classification_proposal_approve(actor=rita, proposal=proposal)
    _assert_figures_match_the_book(*every_scope)

    # The customer passes to another officer, changes grade; a later night reclassifies.
    from customers.models import Customer

    Customer.objects.filter(pk=book["current"].customer_id).update(officer=bob, grade="B")
    _assert_figures_match_the_book(*every_scope)
    jobs.run_synchronously(jobs.NIGHTLY, book["day"] + dt.timedelta(days=40))
    _assert_figures_match_the_book(*every_scope)
    kept = _nonzero_figures()
    figures.rebuild()
    assert _nonzero_figures() == kept


def test_a_user_who_sees_no_customer_gets_empty_figures(mary, book):
    from django.utils import timezone

    mary.branch_id = None  # a manager without a branch sees nothing
    scope = selectors.Scope(user=mary)
    assert selectors.pipeline_kpis(scope, timezone.now()) == {
        "stages": {},
        "in_pipeline": 0,
        "approval_rate": None,
        "median_hours_to_decision": None,
    }
    assert selectors.alert_kpis(scope, timezone.now())["red"] == 0
    assert selectors.portfolio_kpis(scope)["exposure"] == Decimal("0")
