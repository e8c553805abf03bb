"""Every figure of the dashboard and of the reports drills down to exactly the rows that make
it: the list its link opens holds as many rows as the figure counts, and their amounts add up
to the figure, in the same scope (the manager's branch, or the branch a head-office user
chose) and for the same day or moment.

The book has a loan in every class, two products and an enterprise's industry, a repaid loan
(which no figure of today's book counts), alerts of every age, some past their SLA and one of
those acknowledged, applications in every open stage and decided ones, surveys and
follow-ups inside and outside the figures' windows, and the same kinds of rows in the South
branch, which no figure of the North may count."""

import csv
import datetime as dt
import io
import statistics
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from credit import services as credit_services
from customers import services as customer_services
from customers.models import Customer, FollowUp, Interaction, Survey
from lending import services as lending_services
from lending.models import Application, LoanProduct
from lending.schedule import add_months
from risk import jobs
from risk import services as risk_services
from risk.models import Alert, ManualSignal
from tests.customers import factories
from tests.lending.conftest import make_application
from tests.risk.conftest import GOOD_INPUTS, assessed, disbursed_loan
from tests.shared_book import fresh, shared_book

SOUTH_NAME = "南方客户"


def _customer(officer, name):
    return assessed(officer, factories.individual(officer, name=name))


def _follow_up(officer, customer, due_on):
    return customer_services.follow_up_plan(
        actor=officer,
        follow_up=FollowUp(customer=customer, kind="call", purpose="Check in", due_on=due_on),
    )


@pytest.fixture(scope="module")
def _drill_book(django_db_setup, django_db_blocker):
    """The book, built once for the module (two nights and ~40 rows of every kind)."""
    from accounts.demo import seed_cast

    with shared_book(django_db_blocker):
        cast = seed_cast()
        # As the consumer_product fixture leaves it (without penalty interest).
        product = LoanProduct.objects.get(code="CONS-01")
        product.penalty_rate = Decimal("0")
        product.save(update_fields=["penalty_rate"])
        yield _build_drill_book(
            cast["alice"], cast["bob"], cast["charlie"], cast["mary"], cast["admin"], product
        )


@pytest.fixture
def drill_book(_drill_book, db):
    return fresh(_drill_book)


def _build_drill_book(alice, bob, charlie, mary, admin_user, consumer_product):
    now = timezone.now()
    today = timezone.localdate()
    day = dt.timedelta(days=1)
    # Customers graded 40 days ago, so that the grade migration matrix has a first date.
    with time_machine.travel(now - 40 * day, tick=False):
        people = {
            "loss": _customer(alice, "损失客户"),
            "doubtful": _customer(alice, "可疑客户"),
            "normal": _customer(alice, "正常客户"),
            "repaid": _customer(alice, "结清客户"),
            "substandard": _customer(bob, "次级客户"),
            "special": _customer(bob, "关注客户"),
            "south": _customer(charlie, SOUTH_NAME),
            # Applicants without a loan, whose grade no repayment record moves.
            "applicant_a": _customer(alice, "申请客户甲"),
            "applicant_b": _customer(bob, "申请客户乙"),
        }
        firm = factories.enterprise(bob, name="华北制造有限公司")
        assessed(bob, firm)
        Customer.objects.filter(pk=firm.pk).update(grade="A")
        people["firm"] = Customer.objects.get(pk=firm.pk)

    # Never repaid: the first instalment fell due a month after the disbursement, so the
    # months since decide the class (loss past 360 days, doubtful past 270, substandard past
    # 90, special mention from the first day).
    def loan(key, officer, manager, amount, on, product=consumer_product, term=24):
        return disbursed_loan(
            officer, manager, people[key], product, amount=amount, term=term, on=on
        )

    loans = {
        "loss": loan("loss", alice, mary, "120000", add_months(today, -16)),
        "doubtful": loan("doubtful", alice, mary, "80000", add_months(today, -11)),
        # Past due for 105 days today, 75 a month ago: special mention then, substandard now.
        "substandard": loan("substandard", bob, mary, "60000", add_months(today - 105 * day, -1)),
        "special": loan("special", bob, mary, "40000", add_months(today, -2)),
        "normal": loan("normal", alice, mary, "30000", today - 10 * day),
        "firm": loan(
            "firm",
            bob,
            mary,
            "200000",
            today - 10 * day,
            product=LoanProduct.objects.get(code="WC-01"),
            term=12,
        ),
        "repaid": loan("repaid", alice, mary, "25000", today - 5 * day),
        "south": loan("south", charlie, admin_user, "50000", add_months(today, -11)),
    }
    # Graded down since its loan (a grade of its own on the chart).
    Customer.objects.filter(pk=firm.pk).update(grade="BBB")
    lending_services.repayment_post(
        actor=alice,
        loan=loans["repaid"],
        amount=Decimal("25000"),
        paid_on=today - 5 * day,
        channel="transfer",
        reference="PAID-OFF",
        allow_prepayment=True,
    )
    # A night a month ago as well: the migration matrix compares the two. In between, an
    # applicant is assessed again, on a poorer record.
    jobs.run_synchronously(jobs.NIGHTLY, today - 30 * day)
    credit_services.assessment_create(
        actor=bob,
        customer=people["applicant_b"],
        inputs={**GOOD_INPUTS, "late_payments_12m": 4, "worst_dpd_ever": 75, "dti": 0.6},
        expert_comments={},
    )
    people["applicant_b"].refresh_from_db()
    assert people["applicant_b"].grade != "A"
    jobs.run_synchronously(jobs.NIGHTLY, today)

    # Alerts of every age; the oldest past their SLA, one of those acknowledged since.
    def age(key, days, *, breached=False):
        fields = {"raised_at": now - dt.timedelta(days=days, hours=1)}
        if breached:
            fields["sla_due_at"] = now - dt.timedelta(hours=1)
        Alert.objects.filter(customer=people[key]).update(**fields)

    age("loss", 40, breached=True)
    age("doubtful", 10, breached=True)
    age("substandard", 3)
    age("south", 40, breached=True)
    risk_services.alert_acknowledge(
        actor=alice, alert=Alert.objects.filter(customer=people["doubtful"]).first()
    )

    # Applications in every open stage, one rejected, one in the South.
    a, b = people["applicant_a"], people["applicant_b"]
    draft = make_application(alice, a, consumer_product, amount="20000")
    submitted = make_application(bob, b, consumer_product, amount="21000")
    lending_services.application_submit(actor=bob, application=submitted)
    reviewed = make_application(bob, b, consumer_product, amount="22000")
    lending_services.application_submit(actor=bob, application=reviewed)
    lending_services.application_start_review(actor=mary, application=reviewed)
    approved = make_application(alice, a, consumer_product, amount="23000")
    lending_services.application_submit(actor=alice, application=approved)
    lending_services.application_start_review(actor=mary, application=approved)
    lending_services.application_approve(
        actor=mary,
        application=approved,
        amount=Decimal("23000"),
        term_months=12,
        rate=lending_services.offer_for(consumer_product, a.grade)["rate"],
    )
    rejected = make_application(alice, a, consumer_product, amount="24000")
    lending_services.application_submit(actor=alice, application=rejected)
    lending_services.application_reject(actor=mary, application=rejected, reason="Overdue")
    theirs = make_application(charlie, people["south"], consumer_product, amount="26000")
    lending_services.application_submit(actor=charlie, application=theirs)

    # Surveys inside the 90 days and before them (the NPS by month still shows those).
    for key, officer, csat, nps, days in (
        ("normal", alice, 5, 10, 5),
        ("special", bob, 3, 6, 20),
        ("loss", alice, 4, None, 40),
        ("doubtful", alice, None, 8, 60),
        ("normal", alice, 1, 0, 120),
        ("south", charlie, 1, 0, 5),
    ):
        customer_services.survey_record(
            actor=officer,
            survey=Survey(
                customer=people[key],
                event="periodic",
                source="call",
                csat=csat,
                nps=nps,
                responded_on=today - days * day,
            ),
        )

    # Follow-ups planned earlier and due 15 days ago: done in time, done late, left open,
    # cancelled; one of the South; one due long before the 90 days.
    with time_machine.travel(now - 105 * day, tick=False):
        old = _follow_up(alice, people["normal"], timezone.localdate() + 5 * day)
        customer_services.follow_up_complete(actor=alice, follow_up=old)
    with time_machine.travel(now - 20 * day, tick=False):
        due = timezone.localdate() + 5 * day
        in_time = _follow_up(alice, people["normal"], due)
        late = _follow_up(alice, people["loss"], due)
        left_open = _follow_up(bob, people["special"], due)
        cancelled = _follow_up(bob, people["substandard"], due)
        south = _follow_up(charlie, people["south"], due)
    with time_machine.travel(now - 16 * day, tick=False):
        customer_services.follow_up_complete(actor=alice, follow_up=in_time)
        customer_services.follow_up_complete(actor=charlie, follow_up=south)
        customer_services.follow_up_cancel(actor=bob, follow_up=cancelled)
    with time_machine.travel(now - 10 * day, tick=False):
        customer_services.follow_up_complete(actor=alice, follow_up=late)
    assert left_open.status == "open"

    # Contacts inside the league table's 30 days and before them.
    for officer, key, days in (
        (alice, "normal", 3),
        (alice, "loss", 12),
        (bob, "special", 1),
        (alice, "doubtful", 40),
        (charlie, "south", 2),
    ):
        customer_services.interaction_log(
            actor=officer,
            interaction=Interaction(
                customer=people[key],
                channel="phone",
                summary="Called",
                occurred_at=now - dt.timedelta(days=days),
            ),
        )
    return {"people": people, "loans": loans, "draft": draft}


# --- what a list shows ------------------------------------------------------------------------


def _get(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert SOUTH_NAME not in response.content.decode(), url
    return response


def loans_behind(client, url) -> tuple[int, Decimal]:
    response = _get(client, url)
    assert not response.context["has_next"]
    loans = [loan for loan, _dpd in response.context["loans"]]
    # The export of the same list holds the same loans.
    export = url.replace(reverse("lending:loan-list"), reverse("lending:loan-export", args=["csv"]))
    exported = list(csv.DictReader(io.StringIO(_body(client, export))))
    assert sorted(row["Account"] for row in exported) == sorted(
        loan.account_number for loan in loans
    )
    return len(loans), sum((loan.outstanding_principal for loan in loans), Decimal("0"))


def alerts_behind(client, url) -> list[Alert]:
    response = _get(client, url)
    assert not response.context["limited"]
    return response.context["alerts"]


def applications_behind(client, url) -> list[Application]:
    response = _get(client, url)
    assert not response.context["limited"]
    return response.context["applications"]


def _body(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return b"".join(response.streaming_content).decode("utf-8-sig")


def report_behind(client, url) -> tuple[list[dict], dict]:
    """The report's rows (from its CSV export, every row) and its summary figures."""
    response = _get(client, url)
    assert not response.context["more"]
    rows = list(csv.DictReader(io.StringIO(_body(client, f"{url}&export=csv"))))
    assert len(rows) == len(response.context["table"])
    return rows, {str(label): value for label, value in response.context["summary"] or []}


def _ratio(part, whole):
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001")) if whole else None


def _nps(scores):
    promoters = sum(1 for score in scores if score >= 9)
    detractors = sum(1 for score in scores if score <= 6)
    return round(100 * (promoters - detractors) / len(scores))


# --- the viewers: a manager, and head office narrowed to her branch ---------------------------


@pytest.fixture(params=["manager", "head office with the branch"])
def viewer(request, client_for, mary, rita):
    if request.param == "manager":
        return client_for(mary), {}
    return client_for(rita), {"branch": mary.branch_id}


def test_the_book_has_distinct_figures_and_an_outsider(client_for, mary, rita, drill_book):
    """The test below is only worth something if the cards differ and the South has rows."""
    response = client_for(mary).get(reverse("dashboards:dashboard"))
    portfolio, alerts = response.context["portfolio"], response.context["alerts"]
    classes = {bar["label"] for bar in response.context["by_class"]}
    assert classes == {"Normal", "Special mention", "Substandard", "Doubtful", "Loss"}
    assert Decimal("0") < portfolio["npl"] < portfolio["exposure"]
    assert 0 < alerts["breached"] < alerts["red"] + alerts["orange"] + alerts["yellow"]
    assert all(alerts[key] for key in ("age_1", "age_7", "age_30", "age_older"))
    pipeline = response.context["pipeline"]
    assert pipeline["in_pipeline"] == 3 and 0 < pipeline["approval_rate"] < 1
    relationship = response.context["relationship"]
    assert relationship["csat"] and relationship["nps"] is not None
    assert 0 < relationship["follow_up_compliance"] < 1
    bank = client_for(rita).get(reverse("dashboards:dashboard")).context["portfolio"]
    assert bank["exposure"] == portfolio["exposure"] + Decimal("50000.00")


def test_every_card_lists_exactly_what_it_counts(viewer, drill_book):
    client, query = viewer
    response = client.get(reverse("dashboards:dashboard"), query)
    assert response.status_code == 200
    links, portfolio = response.context["links"], response.context["portfolio"]

    customers = _get(client, links["customers"])
    assert not customers.context["has_next"]
    assert len(customers.context["customers"]) == portfolio["customers"] == 9

    assert loans_behind(client, links["exposure"]) == (portfolio["loans"], portfolio["exposure"])
    # The NPL figure is every non-performing loan: substandard, doubtful and loss.
    assert portfolio["npl"] == Decimal("260000.00")
    assert loans_behind(client, links["npl"])[1] == portfolio["npl"]

    alerts = response.context["alerts"]
    listed = alerts_behind(client, links["alerts"])
    assert len(listed) == alerts["red"] + alerts["orange"] + alerts["yellow"]
    for severity in ("red", "orange", "yellow"):
        assert len(alerts_behind(client, links[severity])) == alerts[severity], severity
    breached = alerts_behind(client, links["breached"])
    assert len(breached) == alerts["breached"]
    assert all(alert.status == "open" for alert in breached)

    pipeline = response.context["pipeline"]
    in_pipeline = applications_behind(client, links["pipeline"])
    assert len(in_pipeline) == pipeline["in_pipeline"]
    assert {app.status for app in in_pipeline} == {"submitted", "under_review", "approved"}

    decided, _summary = report_behind(client, links["decisions"])
    approved = [row for row in decided if row["Stage"] != "Rejected"]
    assert _ratio(len(approved), len(decided)) == pipeline["approval_rate"]
    hours = [
        (app.decided_at - app.submitted_at).total_seconds() / 3600
        for app in Application.objects.filter(
            pk__in=[int(row["Reference"].removeprefix("APP-")) for row in decided]
        )
    ]
    assert len(hours) == len(decided)
    assert round(statistics.median(hours), 1) == pipeline["median_hours_to_decision"]

    relationship = response.context["relationship"]
    surveys, summary = report_behind(client, links["satisfaction"])
    csat = [int(row["CSAT"]) for row in surveys if row["CSAT"]]
    nps = [int(row["NPS"]) for row in surveys if row["NPS"]]
    assert round(sum(csat) / len(csat), 2) == relationship["csat"] == summary["CSAT (average)"]
    assert _nps(nps) == relationship["nps"] == summary["NPS"]
    assert (len(surveys), len(nps)) == (4, 3)

    follow_ups, summary = report_behind(client, links["follow_ups"])
    on_time = [row for row in follow_ups if row["On time"] == "yes"]
    assert _ratio(len(on_time), len(follow_ups)) == relationship["follow_up_compliance"]
    assert (
        (summary["Done, or open past due"], summary["Done on time"])
        == (
            len(follow_ups),
            len(on_time),
        )
        == (3, 1)
    )


def test_every_bar_of_every_chart_lists_exactly_what_it_counts(viewer, drill_book):
    client, query = viewer
    response = client.get(reverse("dashboards:dashboard"), query)
    for chart in ("buckets", "by_class", "by_grade", "by_product", "by_industry"):
        bars = [bar for bar in response.context[chart] if bar["value"]]
        assert bars, chart
        for bar in bars:
            count, amount = loans_behind(client, bar["url"])
            assert amount == bar["value"], (chart, bar["label"])
            # The overdue buckets show amounts only; the other bars their loans as well.
            assert bar["loans"] in (None, count), (chart, bar["label"])
            assert (bar["loans"] is None) == (chart == "buckets"), chart
    counted = 0
    for bar in response.context["alert_ages"] + response.context["funnel"]:
        listed = (
            alerts_behind(client, bar["url"])
            if bar in response.context["alert_ages"]
            else applications_behind(client, bar["url"])
        )
        assert len(listed) == bar["value"], bar["label"]
        counted += bar["value"]
    assert counted > 0
    alerts = response.context["alerts"]
    assert sum(bar["value"] for bar in response.context["alert_ages"]) == (
        alerts["red"] + alerts["orange"] + alerts["yellow"]
    )


def test_every_cell_of_the_league_table_lists_exactly_what_it_counts(viewer, drill_book):
    client, query = viewer
    response = client.get(reverse("dashboards:dashboard"), query)
    rows = {row["officer"].username: row for row in response.context["league"]}
    assert set(rows) == {"alice", "bob"}
    for name, row in rows.items():
        links = row["links"]
        customers = _get(client, links["customers"]).context["customers"]
        assert len(customers) == row["customers"], name
        exposure = loans_behind(client, links["exposure"])[1]
        assert exposure == row["exposure"], name
        overdue = loans_behind(client, links["overdue"])[1]
        assert _ratio(overdue, exposure) == row["overdue_ratio"], name
        assert len(alerts_behind(client, links["alerts"])) == row["alerts_open"], name
        assert len(alerts_behind(client, links["breached"])) == row["alerts_breached"], name
        contacts, _summary = report_behind(client, links["interactions"])
        assert len(contacts) == row["interactions"], name
        follow_ups, _summary = report_behind(client, links["follow_ups"])
        done = [item for item in follow_ups if item["On time"] == "yes"]
        assert _ratio(len(done), len(follow_ups)) == row["follow_up_compliance"], name
        surveys, _summary = report_behind(client, links["csat"])
        scores = [int(item["CSAT"]) for item in surveys if item["CSAT"]]
        mean = sum(scores) / len(scores) if scores else None
        assert mean == (float(row["csat"]) if row["csat"] is not None else None), name
    # The league's figures differ between the two officers: the test tells them apart.
    assert rows["alice"]["exposure"] != rows["bob"]["exposure"]
    assert rows["alice"]["interactions"] == 2 and rows["bob"]["interactions"] == 1


def test_every_month_of_the_nps_chart_lists_its_answers(viewer, drill_book):
    client, query = viewer
    response = client.get(reverse("dashboards:dashboard"), query)
    months = response.context["nps_trend"]
    assert len(months) >= 3
    for month, nps, answers, url in months:
        surveys, summary = report_behind(client, url)
        scores = [int(row["NPS"]) for row in surveys]
        assert len(scores) == answers == summary["NPS answers"], month
        assert _nps(scores) == nps == summary["NPS"], month


@pytest.mark.parametrize("kind", ["classification", "grade"])
def test_every_cell_of_the_migration_matrix_lists_its_subjects(viewer, drill_book, kind):
    client, query = viewer
    response = client.get(reverse("dashboards:dashboard"), {**query, "matrix": kind})
    rows = response.context["matrix_cells"]
    cells = [cell for _label, row in rows for cell in row if cell[0]]
    # Subjects that kept their value, and one that moved (off the diagonal).
    assert any(row[index][0] for index, (_label, row) in enumerate(rows))
    assert any(
        cell[0]
        for index, (_label, row) in enumerate(rows)
        for column, cell in enumerate(row)
        if column != index
    )
    assert sum(count for count, _amount, _url in cells) == response.context["matrix"]["total"]
    for count, amount, url in cells:
        rows, summary = report_behind(client, url)
        assert len(rows) == count == summary["Subjects"], url
        exposure = sum((Decimal(row["Exposure on the first date"]) for row in rows), Decimal(0))
        assert exposure == amount == summary["Exposure on the first date"], url


def test_every_figure_of_the_risk_page_lists_what_it_counts(client_for, mary, drill_book):
    client = client_for(mary)
    page = client.get(reverse("risk:overview"))
    html = page.content.decode().replace("&amp;", "&")
    alerts = page.context["alerts"]
    alert_list = reverse("risk:alert-list")
    for key, query in (
        ("age_1", "age=1"),
        ("age_7", "age=1-7"),
        ("age_30", "age=7-30"),
        ("age_older", "age=older"),
        ("breached", "sla=breached"),
        *((severity, f"severity={severity}") for severity in ("red", "orange", "yellow")),
    ):
        url = f"{alert_list}?{query}"
        assert f'href="{url}"' in html, url
        assert len(alerts_behind(client, url)) == alerts[key], key
    assert alerts["breached"] and alerts["age_30"]
    counted = 0
    for code, label, count in page.context["class_rows"]:
        url = f"{reverse('lending:loan-list')}?status=active&loan_class={code}"
        assert f'href="{url}"' in html, url
        assert loans_behind(client, url)[0] == count, label
        counted += count
    assert counted == 6  # the active loans of the North: every class
    for level in ("high", "medium", "low"):
        url = f"{reverse('customers:list')}?risk_level={level}"
        assert f'href="{url}"' in html, url
        listed = _get(client, url).context["customers"]
        assert len(listed) == page.context["levels"].get(level, 0), level


def test_an_officer_drills_down_to_her_own_rows(client_for, alice, drill_book):
    client = client_for(alice)
    response = client.get(reverse("dashboards:dashboard"))
    links, portfolio = response.context["links"], response.context["portfolio"]
    assert loans_behind(client, links["exposure"]) == (portfolio["loans"], portfolio["exposure"])
    assert loans_behind(client, links["npl"])[1] == portfolio["npl"] == Decimal("200000.00")
    alerts = response.context["alerts"]
    assert len(alerts_behind(client, links["alerts"])) == sum(
        alerts[key] for key in ("red", "orange", "yellow")
    )


def test_the_alert_figures_list_the_alerts_of_their_moment(client_for, alice, mary, drill_book):
    """The activity figures are kept for a few minutes; their lists count at the moment the
    figures were computed, not at the click: an alert raised since is not in them, and one
    resolved since still is."""
    client = client_for(mary)
    response = client.get(reverse("dashboards:dashboard"))
    red = response.context["alerts"]["red"]
    link = response.context["links"]["red"]
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2)):
        risk_services.signal_raise(
            actor=alice,
            signal=ManualSignal(
                customer=drill_book["people"]["normal"], kind="lawsuit", note="Sued"
            ),
        )
        jobs.run_synchronously(jobs.SCAN, timezone.localdate())
        resolved = Alert.objects.filter(
            severity="red", status="open", customer__officer=alice
        ).exclude(rule__code="lawsuit")[0]
        risk_services.alert_record_action(
            actor=alice, alert=resolved, action="collections", note="Called", interaction=None
        )
        risk_services.alert_resolve(actor=alice, alert=resolved, resolution="Paid in full")
        kept = client.get(reverse("dashboards:dashboard"))
        assert kept.context["alerts"]["red"] == red  # served from the kept figures
        then = alerts_behind(client, link)
        assert len(then) == red and resolved in then
        now = alerts_behind(client, reverse("risk:alert-list") + "?severity=red")
        assert len(now) == red and resolved not in now
        assert any(alert.rule.code == "lawsuit" for alert in now)
        assert not any(alert.rule.code == "lawsuit" for alert in then)


@pytest.mark.parametrize(
    ("name", "query", "field"),
    [
        ("lending:loan-list", {"loan_class": "9"}, "loan_class"),
        ("lending:loan-list", {"dpd": "1_30"}, "dpd"),
        ("lending:loan-list", {"officer": "abc"}, "officer"),
        ("risk:alert-list", {"age": "forever"}, "age"),
        ("risk:alert-list", {"sla": "late"}, "sla"),
        ("risk:alert-list", {"at": "yesterday"}, "at"),
        ("risk:alert-list", {"at": "2999-01-01T00:00:00"}, "at"),
        ("lending:application-list", {"status": "limbo"}, "status"),
        ("lending:application-list", {"at": "2026-13-45"}, "at"),
    ],
)
def test_a_bad_drill_down_value_is_refused_next_to_its_field(
    client_for, mary, drill_book, name, query, field
):
    response = client_for(mary).get(reverse(name), query)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert "could not be read" in response.content.decode()


@pytest.mark.parametrize(
    ("slug", "query", "field"),
    [
        ("pipeline", {"decided_after": "not a moment"}, "decided_after"),
        ("satisfaction", {"score": "all"}, "score"),
        ("follow-ups", {"since": "2026-05-01", "until": "2026-04-01"}, "until"),
        ("relationship", {"officer": "999999"}, "officer"),
        ("migration", {"kind": "grade", "old": "3"}, "old"),
        ("migration", {"start": "2026-02-30"}, "start"),
    ],
)
def test_a_bad_report_filter_is_refused_next_to_its_field_and_exports_nothing(
    client_for, mary, drill_book, slug, query, field
):
    client = client_for(mary)
    url = reverse("dashboards:report", args=[slug])
    response = client.get(url, query)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert "could not be read" in response.content.decode()
    assert client.get(url, {**query, "export": "csv"}).status_code == 400
