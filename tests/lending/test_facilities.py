"""Credit facilities (授信额度): proposed by one person, approved by another, active until frozen,
expired or closed; applications drawing on one are held to its available amount and its
product sublimits, with the figures in the refusal. Every page is out of reach (404) for an
officer of another branch."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from lending import facilities, services
from lending.facility_models import (
    CreditFacility,
    FacilityLimitChange,
    FacilityStatus,
)
from lending.models import Application, ApplicationStatus, Loan
from lending.services import facilities as facility_services
from tests.customers import factories
from tests.lending.conftest import add_collateral, make_application

START = dt.date(2026, 1, 1)
EXPIRY = dt.date(2027, 12, 31)
REVIEW = dt.date(2026, 12, 31)


def propose(officer, customer, limit="150000", *, sublimits=(), **fields) -> CreditFacility:
    return facility_services.facility_propose(
        actor=officer,
        facility=CreditFacility(
            customer=customer,
            kind=fields.pop("kind", "revolving"),
            limit=Decimal(limit),
            start_date=fields.pop("start_date", START),
            expiry_date=fields.pop("expiry_date", EXPIRY),
            review_date=fields.pop("review_date", REVIEW),
            reason="Working capital for the year",
        ),
        sublimits=sublimits,
    )


def active_facility(officer, manager, customer, limit="150000", **fields) -> CreditFacility:
    facility = propose(officer, customer, limit, **fields)
    facility_services.facility_approve(actor=manager, facility=facility)
    return facility_services.facility_activate(actor=officer, facility=facility)


def drawing(officer, customer, product, facility, amount="100000") -> Application:
    application = make_application(officer, customer, product, amount=amount)
    return services.application_update(
        actor=officer, application=application, changes={"facility": facility}
    )


def approve(manager, application, amount="100000"):
    return services.application_approve(
        actor=manager,
        application=Application.objects.get(pk=application.pk),
        amount=Decimal(amount),
        term_months=12,
        rate=Decimal("0.0435"),
    )


@pytest.fixture
def facility(alice, mary, graded_customer, on_business_date):
    return active_facility(alice, mary, graded_customer)


# --- Lifecycle and four eyes ----------------------------------------------------------------


def test_a_facility_goes_from_proposed_to_active_with_its_history(
    alice, mary, graded_customer, on_business_date
):
    facility = propose(alice, graded_customer)
    assert facility.status == FacilityStatus.PROPOSED
    facility_services.facility_approve(actor=mary, facility=facility)
    facility_services.facility_activate(actor=alice, facility=facility)
    facility.refresh_from_db()
    assert facility.status == FacilityStatus.ACTIVE
    assert (facility.proposed_by, facility.approved_by) == (alice, mary)
    assert list(
        AuditEvent.objects.filter(
            action__startswith="lending.facility.", object_id=str(facility.pk)
        )
        .order_by("id")
        .values_list("action", "actor__username")
    ) == [
        ("lending.facility.proposed", "alice"),
        ("lending.facility.approved", "mary"),
        ("lending.facility.activated", "alice"),
    ]


def test_the_proposer_never_approves_their_own_facility(mary, graded_customer, on_business_date):
    facility = propose(mary, graded_customer)
    with pytest.raises(services.FourEyesRefused):
        facility_services.facility_approve(actor=mary, facility=facility)
    facility.refresh_from_db()
    assert facility.status == FacilityStatus.PROPOSED
    assert facility.approved_by is None


def test_an_officer_cannot_approve_a_facility(alice, bob, graded_customer, on_business_date):
    facility = propose(alice, graded_customer)
    with pytest.raises(PermissionDenied):
        facility_services.facility_approve(actor=bob, facility=facility)
    assert CreditFacility.objects.get(pk=facility.pk).status == FacilityStatus.PROPOSED


def test_a_freeze_is_lifted_by_a_manager_other_than_who_froze_it(alice, mary, admin_user, facility):
    facility_services.facility_freeze(actor=mary, facility=facility, reason="Lawsuit reported")
    with pytest.raises(PermissionDenied):
        facility_services.facility_unfreeze(actor=alice, facility=facility, reason="Settled")
    with pytest.raises(services.FourEyesRefused):
        facility_services.facility_unfreeze(actor=mary, facility=facility, reason="Settled")
    assert CreditFacility.objects.get(pk=facility.pk).status == FacilityStatus.FROZEN
    facility_services.facility_unfreeze(actor=admin_user, facility=facility, reason="Settled")
    facility.refresh_from_db()
    assert facility.status == FacilityStatus.ACTIVE
    assert facility.frozen_by is None
    assert AuditEvent.objects.filter(
        action="lending.facility.unfrozen", object_id=str(facility.pk), actor=admin_user
    ).exists()


# --- Utilisation and drawing ----------------------------------------------------------------


def test_utilisation_counts_approved_applications_and_outstanding_loans(
    alice, mary, graded_customer, consumer_product, facility
):
    assert facilities.figures_of(facility) == facilities.FacilityFigures(
        limit=Decimal("150000.00"), utilisation=Decimal("0.00"), available=Decimal("150000.00")
    )
    application = drawing(alice, graded_customer, consumer_product, facility, "60000")
    services.application_submit(actor=alice, application=application)
    # Submitted is not drawn yet.
    assert facilities.figures_of(facility).utilisation == Decimal("0.00")
    approve(mary, application, "60000")
    assert facilities.figures_of(facility).available == Decimal("90000.00")
    loan = services.application_disburse(actor=mary, application=application)
    assert loan.facility == facility
    # Now the loan's outstanding principal, no longer the approval: counted once.
    assert facilities.figures_of(facility).utilisation == Decimal("60000.00")
    Loan.objects.filter(pk=loan.pk).update(outstanding_principal=Decimal("45000.00"))
    assert facilities.figures_of(facility).available == Decimal("105000.00")
    assert facilities.customer_totals([graded_customer.pk]) == {
        graded_customer.pk: facilities.FacilityFigures(
            limit=Decimal("150000.00"),
            utilisation=Decimal("45000.00"),
            available=Decimal("105000.00"),
        )
    }


def test_a_one_off_facility_does_not_lend_again_what_was_repaid(
    alice, mary, graded_customer, consumer_product, on_business_date
):
    facility = active_facility(alice, mary, graded_customer, kind="one_off")
    application = drawing(alice, graded_customer, consumer_product, facility, "60000")
    services.application_submit(actor=alice, application=application)
    loan = services.application_disburse(
        actor=mary, application=approve(mary, application, "60000")
    )
    Loan.objects.filter(pk=loan.pk).update(outstanding_principal=Decimal("10000.00"))
    assert facilities.figures_of(facility).available == Decimal("90000.00")


def test_the_360s_facilities_have_the_figures_of_with_figures(
    alice, mary, graded_customer, consumer_product, on_business_date
):
    # facilities_of works out what is available in Python (lending.facilities): it must agree
    # with with_figures for a one-off and a revolving facility, drawn by a loan and by an
    # approved application, and for one drawn past its limit (nothing available).
    one_off = active_facility(alice, mary, graded_customer, kind="one_off")
    revolving = active_facility(alice, mary, graded_customer, limit="50000")
    propose(alice, graded_customer, limit="30000")
    for facility, amount in ((one_off, "60000"), (revolving, "40000")):
        application = drawing(alice, graded_customer, consumer_product, facility, amount)
        services.application_submit(actor=alice, application=application)
        loan = services.application_disburse(
            actor=mary, application=approve(mary, application, amount)
        )
        Loan.objects.filter(pk=loan.pk).update(outstanding_principal=Decimal("10000.00"))
    application = drawing(alice, graded_customer, consumer_product, revolving, "20000")
    services.application_submit(actor=alice, application=application)
    approve(mary, application, "20000")
    CreditFacility.objects.filter(pk=revolving.pk).update(limit=Decimal("25000.00"))

    def figures(listed):
        return [(f.pk, f.limit, f.utilisation, f.available) for f in listed]

    expected = facilities.with_figures(CreditFacility.objects.filter(customer=graded_customer))
    assert figures(facilities.facilities_of(graded_customer)) == figures(expected)
    by_pk = {f.pk: f for f in facilities.facilities_of(graded_customer)}
    assert by_pk[one_off.pk].utilisation == Decimal("60000.00")
    assert (by_pk[revolving.pk].utilisation, by_pk[revolving.pk].available) == (
        Decimal("30000.00"),
        Decimal("0.00"),
    )


def test_a_submission_beyond_the_available_amount_is_refused_with_the_figures(
    alice, mary, graded_customer, consumer_product, facility
):
    first = drawing(alice, graded_customer, consumer_product, facility)
    services.application_submit(actor=alice, application=first)
    approve(mary, first)
    second = drawing(alice, graded_customer, consumer_product, facility)
    with pytest.raises(ValidationError) as refusal:
        services.application_submit(actor=alice, application=second)
    assert refusal.value.message_dict["amount"] == [
        f"Facility {facility.reference}: requested ¥100,000.00, available ¥50,000.00 of "
        "¥150,000.00."
    ]
    assert Application.objects.get(pk=second.pk).status == ApplicationStatus.DRAFT


def test_an_approval_beyond_the_available_amount_is_refused_by_the_amount(
    client_for, alice, mary, graded_customer, consumer_product, facility
):
    first = drawing(alice, graded_customer, consumer_product, facility)
    second = drawing(alice, graded_customer, consumer_product, facility)
    services.application_submit(actor=alice, application=first)
    services.application_submit(actor=alice, application=second)
    approve(mary, first)
    response = client_for(mary).post(
        reverse("lending:application-approve", args=[second.pk]),
        {"amount": "100000", "term_months": "12", "rate": "4.35", "note": ""},
    )
    assert response.status_code == 400
    assert "requested ¥100,000.00, available ¥50,000.00 of ¥150,000.00" in response.content.decode()
    assert Application.objects.get(pk=second.pk).status != ApplicationStatus.APPROVED
    # The smaller amount that fits is approved.
    approve(mary, second, "50000")
    assert facilities.figures_of(facility).available == Decimal("0.00")


def test_a_product_sublimit_holds_its_product(
    alice, mary, graded_customer, consumer_product, on_business_date
):
    facility = propose(
        alice, graded_customer, "500000", sublimits=[(consumer_product, Decimal("120000"))]
    )
    facility_services.facility_approve(actor=mary, facility=facility)
    facility_services.facility_activate(actor=alice, facility=facility)
    first = drawing(alice, graded_customer, consumer_product, facility)
    services.application_submit(actor=alice, application=first)
    approve(mary, first)
    second = drawing(alice, graded_customer, consumer_product, facility, "50000")
    with pytest.raises(ValidationError) as refusal:
        services.application_submit(actor=alice, application=second)
    assert refusal.value.message_dict["amount"] == [
        f"Facility {facility.reference}, sublimit for this product: requested ¥50,000.00, "
        "available ¥20,000.00 of ¥120,000.00."
    ]
    [sublimit] = facilities.sublimits_with_figures(facility)
    assert (sublimit.utilisation, sublimit.available) == (Decimal("100000.00"), Decimal("20000.00"))


def test_a_frozen_facility_cannot_be_drawn(
    alice, mary, graded_customer, consumer_product, facility
):
    application = drawing(alice, graded_customer, consumer_product, facility)
    services.application_submit(actor=alice, application=application)
    facility_services.facility_freeze(actor=alice, facility=facility, reason="Lawsuit")
    with pytest.raises(ValidationError) as refusal:
        approve(mary, application)
    assert refusal.value.message_dict["facility"] == [
        f"Facility {facility.reference} is frozen and cannot be drawn."
    ]
    assert Application.objects.get(pk=application.pk).status != ApplicationStatus.APPROVED


def test_a_facility_past_its_expiry_is_expired_and_cannot_be_drawn(
    client_for, alice, graded_customer, consumer_product, facility, settings
):
    application = drawing(alice, graded_customer, consumer_product, facility)
    # The day after its expiry, with nothing run overnight: read as expired everywhere.
    settings.BUSINESS_DATE = EXPIRY + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as refusal:
        services.application_submit(actor=alice, application=application)
    assert refusal.value.message_dict["facility"] == [
        f"Facility {facility.reference} is expired and cannot be drawn."
    ]
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.DRAFT
    page = client_for(alice).get(reverse("lending:facility-detail", args=[facility.pk]))
    assert page.context["status"] == FacilityStatus.EXPIRED


def test_a_limit_raise_takes_effect_once_another_person_approves_it(
    client_for, alice, mary, facility
):
    page = client_for(alice).get(reverse("lending:facility-raise", args=[facility.pk]))
    # Grade A with a clean record: 20% more, rounded up to ten thousand yuan.
    assert page.context["form"].initial["new_limit"] == Decimal("180000.00")
    response = client_for(alice).post(
        reverse("lending:facility-raise", args=[facility.pk]),
        {"new_limit": "180000", "reason": "Good record, growing business"},
    )
    assert response.status_code == 302
    change = FacilityLimitChange.objects.get(facility=facility)
    assert CreditFacility.objects.get(pk=facility.pk).limit == Decimal("150000.00")
    with pytest.raises(services.FourEyesRefused):
        facility_services.facility_limit_change_approve(actor=alice, change=change)
    client_for(mary).post(reverse("lending:limit-change-approve", args=[facility.pk, change.pk]))
    assert CreditFacility.objects.get(pk=facility.pk).limit == Decimal("180000.00")
    assert FacilityLimitChange.objects.get(pk=change.pk).decided_by == mary


# --- Pages ----------------------------------------------------------------------------------


def _proposal(**overrides) -> dict:
    return {
        "kind": "revolving",
        "limit": "300000",
        "start_date": "2026-01-01",
        "expiry_date": "2027-12-31",
        "review_date": "2026-12-31",
        "reason": "Working capital",
        **overrides,
    }


def test_an_officer_proposes_a_facility_with_a_sublimit_and_collateral(
    client_for, alice, graded_customer, consumer_product, draft, on_business_date
):
    collateral = add_collateral(alice, draft)
    response = client_for(alice).post(
        reverse("lending:facility-create", args=[graded_customer.pk]),
        _proposal(**{f"sublimit_{consumer_product.pk}": "100000", "collateral": [collateral.pk]}),
    )
    assert response.status_code == 302
    facility = CreditFacility.objects.get(customer=graded_customer)
    assert (facility.limit, facility.status, facility.proposed_by) == (
        Decimal("300000.00"),
        FacilityStatus.PROPOSED,
        alice,
    )
    assert list(facility.sublimits.values_list("product", "limit")) == [
        (consumer_product.pk, Decimal("100000.00"))
    ]
    assert list(facility.collateral.all()) == [collateral]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"limit": "-5"}, "limit", "Ensure this value is greater than or equal to 0.01."),
        (
            {"limit": "99999999999"},
            "limit",
            "Ensure this value is less than or equal to 10000000000.00.",
        ),
        ({"expiry_date": "2025-12-31"}, "expiry_date", "The expiry must be after the start."),
        ("sublimit", "sublimit", "A sublimit cannot be above the facility's limit."),
    ],
)
def test_bad_proposals_are_refused_by_the_field_and_change_nothing(
    client_for,
    alice,
    graded_customer,
    consumer_product,
    on_business_date,
    overrides,
    field,
    message,
):
    if overrides == "sublimit":
        field = f"sublimit_{consumer_product.pk}"
        overrides = {field: "400000"}
    response = client_for(alice).post(
        reverse("lending:facility-create", args=[graded_customer.pk]), _proposal(**overrides)
    )
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert not CreditFacility.objects.exists()


def test_another_customers_collateral_cannot_secure_a_facility(
    client_for, alice, graded_customer, consumer_product, on_business_date
):
    other = factories.individual(alice, name="李四")
    other_draft = make_application(alice, other, consumer_product)
    collateral = add_collateral(alice, other_draft)
    response = client_for(alice).post(
        reverse("lending:facility-create", args=[graded_customer.pk]),
        _proposal(collateral=[collateral.pk]),
    )
    assert response.status_code == 400
    assert "collateral" in response.context["form"].errors
    assert not CreditFacility.objects.exists()


def test_an_application_cannot_draw_on_another_customers_facility(
    client_for, alice, mary, graded_customer, consumer_product, on_business_date
):
    other = factories.individual(alice, name="李四")
    others_facility = active_facility(alice, mary, other)
    response = client_for(alice).post(
        reverse("lending:application-create", args=[graded_customer.pk]),
        {
            "product": consumer_product.pk,
            "amount": "100000",
            "term_months": "12",
            "purpose": "Renovation",
            "facility": others_facility.pk,
        },
    )
    assert response.status_code == 400
    assert "facility" in response.context["form"].errors
    assert not Application.objects.filter(customer=graded_customer).exists()


def test_the_application_page_shows_the_facility_and_its_available_amount(
    client_for, alice, graded_customer, consumer_product, facility
):
    application = drawing(alice, graded_customer, consumer_product, facility)
    page = client_for(alice).get(reverse("lending:application-detail", args=[application.pk]))
    assert f"{facility.reference}" in page.content.decode()
    assert "available ¥150,000.00 of ¥150,000.00" in page.content.decode()


def test_the_customer_360_lists_the_facilities_with_their_figures(
    client_for, alice, mary, graded_customer, consumer_product, facility
):
    application = drawing(alice, graded_customer, consumer_product, facility)
    services.application_submit(actor=alice, application=application)
    approve(mary, application, "40000")
    page = client_for(alice).get(reverse("customers:detail", args=[graded_customer.pk]))
    panel = page.content.decode().split('data-testid="customer-facilities"')[1].split("</table>")[0]
    for shown in (facility.reference, "¥150,000.00", "¥40,000.00", "¥110,000.00", "Active"):
        assert shown in panel
    assert "2027-12-31" in panel and "2026-12-31" in panel


def test_the_360_exposure_panel_sums_the_live_facilities_the_facility_panel_lists(
    client_for, alice, mary, graded_customer, consumer_product, facility, on_business_date
):
    # The facility panel and the exposure panel read the same facilities (one query for the
    # page); the exposure panel's totals count only the live ones not past their expiry, as
    # the concentration limits do (facilities.customer_totals).
    application = drawing(alice, graded_customer, consumer_product, facility)
    services.application_submit(actor=alice, application=application)
    approve(mary, application, "40000")
    frozen = active_facility(alice, mary, graded_customer, limit="90000")
    facility_services.facility_freeze(actor=alice, facility=frozen, reason="Negative news")
    expired = active_facility(alice, mary, graded_customer, limit="70000")
    CreditFacility.objects.filter(pk=expired.pk).update(
        expiry_date=on_business_date - dt.timedelta(days=1)
    )
    propose(alice, graded_customer, limit="50000")
    page = client_for(alice).get(reverse("customers:detail", args=[graded_customer.pk]))
    text = page.content.decode()
    listed = text.split('data-testid="customer-facilities"')[1].split("</table>")[0]
    assert all(shown in listed for shown in ("¥90,000.00", "¥70,000.00", "¥50,000.00"))
    panel = text.split('data-testid="exposure-panel"')[1].split("</dl>")[0]
    assert "¥240,000.00 / ¥40,000.00 / ¥200,000.00" in panel
    assert facilities.customer_totals([graded_customer.pk])[
        graded_customer.pk
    ] == facilities.FacilityFigures(
        limit=Decimal("240000.00"), utilisation=Decimal("40000.00"), available=Decimal("200000.00")
    )


def test_the_360_exposure_panel_without_a_live_facility_says_so(
    client_for, alice, graded_customer, on_business_date
):
    propose(alice, graded_customer)
    page = client_for(alice).get(reverse("customers:detail", args=[graded_customer.pk]))
    panel = page.content.decode().split('data-testid="exposure-panel"')[1].split("</dl>")[0]
    assert "No live facility." in panel


def test_the_manager_approves_and_the_officer_freezes_from_the_facility_page(
    client_for, alice, mary, graded_customer, on_business_date
):
    facility = propose(alice, graded_customer)
    page = client_for(alice).get(reverse("lending:facility-detail", args=[facility.pk]))
    assert reverse("lending:facility-approve", args=[facility.pk]) not in page.content.decode()
    refused = client_for(alice).post(reverse("lending:facility-approve", args=[facility.pk]))
    assert refused.status_code == 403
    assert CreditFacility.objects.get(pk=facility.pk).status == FacilityStatus.PROPOSED
    page = client_for(mary).get(reverse("lending:facility-detail", args=[facility.pk]))
    assert reverse("lending:facility-approve", args=[facility.pk]) in page.content.decode()
    client_for(mary).post(reverse("lending:facility-approve", args=[facility.pk]))
    client_for(alice).post(reverse("lending:facility-activate", args=[facility.pk]))
    no_reason = client_for(alice).post(
        reverse("lending:facility-freeze", args=[facility.pk]), {"reason": ""}
    )
    assert no_reason.status_code == 400
    assert CreditFacility.objects.get(pk=facility.pk).status == FacilityStatus.ACTIVE
    client_for(alice).post(
        reverse("lending:facility-freeze", args=[facility.pk]), {"reason": "Negative news"}
    )
    assert CreditFacility.objects.get(pk=facility.pk).status == FacilityStatus.FROZEN


def test_an_officer_of_another_branch_finds_no_facility_page(
    client_for, charlie, alice, mary, graded_customer, on_business_date
):
    facility = active_facility(alice, mary, graded_customer)
    change = facility_services.facility_limit_change_propose(
        actor=alice, facility=facility, new_limit=Decimal("200000"), reason="Growth"
    )
    client = client_for(charlie)
    gets = [
        reverse("lending:facility-create", args=[graded_customer.pk]),
        reverse("lending:facility-detail", args=[facility.pk]),
        reverse("lending:facility-raise", args=[facility.pk]),
    ]
    posts = [
        *gets,
        *(
            reverse(f"lending:facility-{step}", args=[facility.pk])
            for step in ("approve", "activate", "freeze", "unfreeze", "close")
        ),
        reverse("lending:limit-change-approve", args=[facility.pk, change.pk]),
        reverse("lending:limit-change-reject", args=[facility.pk, change.pk]),
    ]
    for url in gets:
        assert client.get(url).status_code == 404, url
    for url in posts:
        assert client.post(url, {"reason": "x", **_proposal()}).status_code == 404, url
    facility.refresh_from_db()
    assert facility.status == FacilityStatus.ACTIVE
    assert facility.limit == Decimal("150000.00")
    assert CreditFacility.objects.count() == 1
    assert FacilityLimitChange.objects.get().status == "pending"


def test_facility_page_query_count(
    client_for,
    alice,
    mary,
    graded_customer,
    consumer_product,
    draft,
    on_business_date,
    django_assert_num_queries,
):
    facility = propose(
        alice, graded_customer, "500000", sublimits=[(consumer_product, Decimal("200000"))]
    )
    facility.collateral.add(add_collateral(alice, draft))
    facility_services.facility_approve(actor=mary, facility=facility)
    facility_services.facility_activate(actor=alice, facility=facility)
    for amount in ("30000", "40000"):
        application = drawing(alice, graded_customer, consumer_product, facility, amount)
        services.application_submit(actor=alice, application=application)
        approve(mary, application, amount)
    client = client_for(mary)
    url = reverse("lending:facility-detail", args=[facility.pk])
    client.get(url)
    # session, user, the facility with its figures, the limit changes, sublimits with their
    # products' figures, collateral, guarantees, loans, applications, the history, and the
    # provision of its undrawn amount (risk). One query per section whatever its size.
    with django_assert_num_queries(11):
        assert client.get(url).status_code == 200


def test_customer_360_facility_panel_is_one_query_whatever_the_facilities(
    client_for, alice, mary, graded_customer, on_business_date, django_assert_num_queries
):
    propose(alice, graded_customer)
    client = client_for(alice)
    url = reverse("customers:detail", args=[graded_customer.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as one_facility:
        client.get(url)
    active_facility(alice, mary, graded_customer)
    active_facility(alice, mary, graded_customer, limit="90000")
    with django_assert_num_queries(len(one_facility.captured_queries)):
        assert client.get(url).status_code == 200
