import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from credit.models import Assessment
from lending.models import Application
from tests.lending.conftest import add_collateral, make_application


def test_outsiders_get_404_on_every_credit_page(client_for, bob, charlie, loan):
    application = loan.application
    customer = loan.customer
    repayment_args = [loan.pk, 1]
    urls_get = [
        reverse("lending:application-detail", args=[application.pk]),
        reverse("lending:application-edit", args=[application.pk]),
        reverse("lending:collateral-add", args=[application.pk]),
        reverse("lending:guarantor-add", args=[application.pk]),
        reverse("lending:loan-detail", args=[loan.pk]),
        reverse("credit:assess", args=[customer.pk]),
        reverse("credit:statement-add", args=[customer.pk]),
        reverse("lending:application-create", args=[customer.pk]),
        reverse("credit:assessment-detail", args=[Assessment.objects.get().pk]),
    ]
    urls_post = [
        reverse("lending:application-submit", args=[application.pk]),
        reverse("lending:application-review", args=[application.pk]),
        reverse("lending:application-approve", args=[application.pk]),
        reverse("lending:application-reject", args=[application.pk]),
        reverse("lending:application-withdraw", args=[application.pk]),
        reverse("lending:application-disburse", args=[application.pk]),
        reverse("lending:repayment-post", args=[loan.pk]),
        reverse("lending:repayment-reverse", args=repayment_args),
        reverse("lending:loan-restructure", args=[loan.pk]),
        reverse("lending:collateral-revalue", args=[loan.pk, 1]),
        *(
            reverse(f"lending:{kind}-{step}", args=[loan.pk, 1])
            for kind in ("restructuring", "reversal")
            for step in ("approve", "reject", "withdraw")
        ),
    ]
    for outsider in (bob, charlie):
        client = client_for(outsider)
        for url in urls_get:
            assert client.get(url).status_code == 404, (outsider, url)
        for url in urls_post:
            assert client.post(url, {"reason": "x", "amount": "1"}).status_code == 404, url
        listing = client.get(
            reverse(
                "lending:application-list",
            )
            + "?status=disbursed"
        )
        assert listing.context["applications"] == []
        assert client.get(reverse("lending:loan-list")).context["loans"] == []


def test_alice_submits_and_cannot_approve_in_the_ui(client_for, alice, draft):
    client = client_for(alice)
    client.post(reverse("lending:application-submit", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == "submitted"
    page = client.get(reverse("lending:application-detail", args=[draft.pk])).content.decode()
    assert "another manager must decide it" in page
    assert (
        client.post(
            reverse("lending:application-approve", args=[draft.pk]),
            {"amount": "100000", "term_months": "12", "rate": "4.35"},
        ).status_code
        == 403
    )


def test_mary_reviews_approves_and_disburses_in_the_ui(
    client_for, mary, submitted, on_business_date
):
    client = client_for(mary)
    client.post(reverse("lending:application-review", args=[submitted.pk]))
    response = client.post(
        reverse("lending:application-approve", args=[submitted.pk]),
        {"amount": "90000", "term_months": "12", "rate": "4.35", "note": "OK"},
    )
    assert response.status_code == 302
    response = client.post(reverse("lending:application-disburse", args=[submitted.pk]))
    submitted.refresh_from_db()
    assert submitted.status == "disbursed"
    assert response["Location"] == reverse("lending:loan-detail", args=[submitted.loan.pk])
    page = client.get(response["Location"]).content.decode()
    assert "¥90,000.00" in page


def test_bad_approval_input_is_a_400_with_errors_next_to_the_fields(client_for, mary, under_review):
    client = client_for(mary)
    url = reverse("lending:application-approve", args=[under_review.pk])
    response = client.post(url, {"amount": "lots", "term_months": "-1", "rate": ""})
    assert response.status_code == 400
    errors = response.context["decision_form"].errors
    assert {"amount", "term_months", "rate"} <= set(errors)
    # A refused step (a rate below the grade's price) comes back the same way.
    response = client.post(url, {"amount": "100000", "term_months": "12", "rate": "1"})
    assert response.status_code == 400
    assert "at least" in str(response.context["decision_form"].errors["rate"])
    under_review.refresh_from_db()
    assert under_review.status == "under_review"


def test_application_form_shows_the_offer_and_blocks_too_much(
    client_for, alice, graded_customer, consumer_product
):
    client = client_for(alice)
    url = reverse("lending:application-create", args=[graded_customer.pk])
    page = client.get(url).content.decode()
    assert "¥400,000.00" in page  # grade A: 80% of the product maximum
    response = client.post(
        url,
        {"product": consumer_product.pk, "amount": "450000", "term_months": "12", "purpose": "Car"},
    )
    assert "allows at most" in str(response.context["form"].errors["amount"])
    assert not Application.objects.exists()


def test_customer_360_shows_credit(client_for, alice, loan):
    page = client_for(alice).get(reverse("customers:detail", args=[loan.customer.pk]))
    body = page.content.decode()
    assert loan.account_number in body
    assert 'data-testid="score-chart"' in body
    assert "A</a>" in body


def _pay_first_instalment(client, loan, *, reference: str) -> None:
    first = loan.instalments.order_by("number").first()
    client.post(
        reverse("lending:repayment-post", args=[loan.pk]),
        {
            "amount": str(first.total_due),
            "paid_on": "2026-03-15",
            "channel": "counter",
            "reference": reference,
        },
    )


def test_customer_360_shows_the_days_past_due_of_the_loan_page(client_for, alice, loan):
    client = client_for(alice)
    url = reverse("customers:detail", args=[loan.customer.pk])

    def loans_listed():
        return client.get(url).content.decode().split('data-testid="customer-loans"')[1]

    assert 'text-bg-danger">28 ' in loans_listed().split("</ul>")[0]
    _pay_first_instalment(client, loan, reference="C")
    assert "text-bg-danger" not in loans_listed().split("</ul>")[0]


def test_customer_360_lists_open_applications_in_one_query_whatever_their_number(
    client_for, alice, graded_customer, consumer_product, django_assert_max_num_queries
):
    # The panel reads only the columns it shows: none is loaded row by row afterwards.
    first = make_application(alice, graded_customer, consumer_product)
    client = client_for(alice)
    url = reverse("customers:detail", args=[graded_customer.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as one_application:
        client.get(url)
    second = make_application(alice, graded_customer, consumer_product, amount="50000")
    with django_assert_max_num_queries(len(one_application.captured_queries)):
        body = client.get(url).content.decode()
    assert first.reference in body and second.reference in body


def test_pages_read_no_facilities_group_or_related_parties_of_a_customer_with_none(
    client_for, alice, loan
):
    """Most customers have none: whether they have any comes with the customer's row (the
    360) or the loan's (the loan page), and their sections read nothing more."""
    client = client_for(alice)
    pages = [
        reverse("customers:detail", args=[loan.customer_id]),
        reverse("lending:loan-detail", args=[loan.pk]),
    ]
    for url in pages:
        with CaptureQueriesContext(connection) as page:
            assert client.get(url).status_code == 200
        for table in (
            "lending_creditfacility",
            "customers_customergroupmember",
            "customers_customerrelation",
        ):
            assert not [q for q in page if q["sql"].startswith(f'SELECT "{table}".')], (url, table)


def test_repayment_form_posts_and_dpd_updates(client_for, alice, loan):
    client = client_for(alice)
    url = reverse("lending:loan-detail", args=[loan.pk])
    assert client.get(url).context["dpd"] == 28
    _pay_first_instalment(client, loan, reference="CNT-1")
    assert client.get(url).context["dpd"] == 0
    response = client.post(
        reverse("lending:repayment-post", args=[loan.pk]),
        {"amount": "-5", "paid_on": "soon", "channel": "x", "reference": ""},
    )
    assert response.status_code == 400
    assert {"amount", "paid_on", "channel", "reference"} <= set(
        response.context["repayment_form"].errors
    )
    too_much = client.post(
        reverse("lending:repayment-post", args=[loan.pk]),
        {"amount": "999999", "paid_on": "2026-03-15", "channel": "counter", "reference": "X"},
    )
    assert too_much.status_code == 400
    assert "exceeds" in str(too_much.context["repayment_form"].errors["amount"])
    assert loan.repayments.count() == 1


@pytest.mark.parametrize("count", [1, 5])
def test_pipeline_query_count_does_not_grow(
    client_for, alice, graded_customer, consumer_product, django_assert_num_queries, count
):
    from tests.lending.conftest import make_application

    for _ in range(count):
        make_application(alice, graded_customer, consumer_product)
    client = client_for(alice)
    client.get(reverse("lending:application-list"))
    # session, user with branch, stage counts, the page of applications (customer,
    # product and submitter joined).
    with django_assert_num_queries(4):
        client.get(reverse("lending:application-list"))


def stage_counts(page: str) -> dict[str, str]:
    return dict(re.findall(r'href="\?status=(\w+)">[^<]*<span[^>]*>([^<]*)</span>', page))


def test_the_pipeline_counts_open_stages_and_a_month_of_closed_ones(
    client_for, alice, graded_customer, consumer_product, loan
):
    from tests.lending.conftest import make_application

    make_application(alice, graded_customer, consumer_product)
    client = client_for(alice)
    url = reverse("lending:application-list")
    counts = stage_counts(client.get(url).content.decode())
    assert counts["draft"] == "1"
    assert counts["disbursed"] == "1 · 30 d"  # disbursed just now
    # Disbursed 31 days ago: history, not this month's pipeline.
    Application.objects.filter(pk=loan.application_id).update(
        status_changed_at=timezone.now() - dt.timedelta(days=31)
    )
    counts = stage_counts(client.get(url).content.decode())
    assert (counts["draft"], counts["disbursed"], counts["rejected"]) == (
        "1",
        "0 · 30 d",
        "0 · 30 d",
    )
    # The stage's own list still shows every application in it.
    page = client.get(url, {"status": "disbursed"}).content.decode()
    assert f'href="/credit/applications/{loan.application_id}/"' in page


def test_application_page_query_count(client_for, mary, under_review, django_assert_num_queries):
    add_collateral(mary, under_review)
    client = client_for(mary)
    url = reverse("lending:application-detail", args=[under_review.pk])
    client.get(url)
    # session, user, application with its customer and people, pricing, collateral,
    # events, notifications, assessment, guarantors, and the customer summary's exposure
    # and open alerts (two aggregates, whatever the customer holds); the approval authority:
    # its steps (none yet, so no members' query), and for a user who may decide, the matrix
    # that says whether their level covers it (levels, their rules, the grade floors). The
    # product's document checklist (its rows; no documents' query for a product without
    # one), the documents panel (the application's documents, the upload form's types).
    # The exposure panel: the facilities' totals, the group membership, the tier-1 capital
    # (no limits' or stored exposures' query without one), and the concentration exception
    # of the matrix reads the capital once more.
    with django_assert_num_queries(22):
        client.get(url)


def test_loan_page_query_count(client_for, alice, loan, django_assert_num_queries):
    client = client_for(alice)
    url = reverse("lending:loan-detail", args=[loan.pk])
    client.get(url)
    # session, user, loan with customer/product/application and, riding along, its risk row
    # and stored provision (risk.templatetags.risk_provisions: no query of its own, 17
    # before), schedule, collateral, repayments, the restructuring awaiting approval (with
    # its proposer), guarantors. A reversal awaiting approval is looked for only when a
    # payment was posted, the restructurings only for a loan restructured, the
    # classification's proposal only for a loan the nightly classified: none here. The
    # arrears summary, the folded schedule and the schedule's totals come from the
    # schedule's rows: no query of their own (the totals had one: 18 before).
    # The documents panel: the loan's documents and the upload form's document types. The
    # borrower's related parties (risk.templatetags.risk_relations): whether they have active
    # links and a group membership rides along with the loan, none here: no query (13
    # before). Its post-loan inspections (lending.templatetags.inspection_tags), one.
    with django_assert_num_queries(11):
        client.get(url)
    assert dt.date(2026, 3, 15) == client.get(url).context["business_date"]
    assert Decimal("100000.00") == client.get(url).context["totals"]["principal"]
    # The totals row shows the current schedule's sums (the superseded rows are not counted).
    current = loan.instalments.filter(schedule_version=loan.schedule_version, superseded=False)
    interest = sum(row.interest_due for row in current)
    footer = client.get(url).content.decode().split("<tfoot>")[1].split("</tfoot>")[0]
    assert 'data-testid="principal-total">¥100,000.00<' in footer
    assert f">¥{interest:,.2f}<" in footer


def test_loan_list_filters_by_nightly_class_and_dpd_and_exports(client_for, alice, charlie, loan):
    import io

    from openpyxl import load_workbook

    from risk import jobs

    jobs.run_synchronously(jobs.NIGHTLY, dt.date(2026, 3, 15))  # 28 days past due
    client = client_for(alice)
    listed = client.get(reverse("lending:loan-list"), {"loan_class": "2", "dpd": "1-30"})
    assert [row[0] for row in listed.context["loans"]] == [loan]
    assert client.get(reverse("lending:loan-list"), {"loan_class": "3"}).context["loans"] == []
    assert client.get(reverse("lending:loan-list"), {"dpd": "31-60"}).context["loans"] == []
    response = client.get(reverse("lending:loan-export", args=["xlsx"]), {"loan_class": "2"})
    rows = list(
        load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(
            values_only=True
        )
    )
    assert rows[0][0] == "Account"
    assert [(row[0], row[8], row[9]) for row in rows[1:]] == [
        (loan.account_number, 28, "Special mention")
    ]
    outsider = client_for(charlie).get(reverse("lending:loan-export", args=["csv"]))
    assert loan.account_number not in b"".join(outsider.streaming_content).decode("utf-8-sig")
    assert client.get(reverse("lending:loan-export", args=["pdf"])).status_code == 404
    bad = client.get(reverse("lending:loan-list"), {"dpd": "forever", "page": "x"})
    # Refused with the reason next to the field, and no rows the filters did not ask for.
    assert bad.status_code == 400
    assert set(bad.context["form"].errors) == {"dpd", "page"}
    assert bad.context["loans"] == [] and "could not be read" in bad.content.decode()
    bad_export = client.get(reverse("lending:loan-export", args=["csv"]), {"dpd": "forever"})
    assert bad_export.status_code == 400
