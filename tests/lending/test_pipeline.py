import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEvent
from credit import services as credit_services
from lending import services
from lending.models import ApplicationEvent, CustomerNotification
from lending.tasks import send_customer_notification
from tests.customers import factories
from tests.lending.conftest import add_collateral, make_application


def test_every_transition_writes_an_event_and_the_audit(approved):
    statuses = list(approved.events.values_list("from_status", "to_status"))
    assert statuses == [
        ("", "draft"),
        ("draft", "submitted"),
        ("submitted", "under_review"),
        ("under_review", "approved"),
    ]
    actions = set(
        AuditEvent.objects.filter(object_type="credit.application").values_list("action", flat=True)
    )
    assert {
        "credit.application.created",
        "credit.application.submitted",
        "credit.application.under_review",
        "credit.application.approved",
    } <= actions


def test_review_attaches_the_assessment(under_review, graded_customer):
    assert under_review.assessments.get().customer == graded_customer


def test_the_submitter_can_never_approve_even_as_a_manager(
    mary, bob, graded_customer, consumer_product
):
    application = make_application(mary, graded_customer, consumer_product)
    services.application_submit(actor=mary, application=application)
    with pytest.raises(PermissionDenied):
        services.application_start_review(actor=mary, application=application)
    # Another manager of the branch can.
    from accounts.models import Role
    from accounts.services import user_create

    other = user_create(
        actor=None,
        username="max",
        password="x-Long-enough-1",
        role=Role.MANAGER,
        branch=mary.branch,
    )
    services.application_start_review(actor=other, application=application)
    with pytest.raises(PermissionDenied):
        services.application_approve(
            actor=mary,
            application=application,
            amount=Decimal("100000"),
            term_months=12,
            rate=Decimal("0.0435"),
        )
    with pytest.raises(PermissionDenied):
        services.application_reject(actor=mary, application=application, reason="no")


def test_maker_checker_holds_in_the_database_too(mary, submitted):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        type(submitted).objects.filter(pk=submitted.pk).update(decided_by=submitted.submitted_by)


def test_officers_and_other_branches_cannot_decide(alice, charlie, under_review):
    for user in (alice, charlie):
        with pytest.raises(PermissionDenied):
            services.application_approve(
                actor=user,
                application=under_review,
                amount=Decimal("100000"),
                term_months=12,
                rate=Decimal("0.0435"),
            )


@pytest.mark.parametrize(
    ("step", "fixture"),
    [
        ("submit", "submitted"),
        ("review", "draft"),
        ("approve", "draft"),
        # ("approve", "submitted") is the manager's one-step decision now (the review is
        # recorded on the way): tests/lending/test_pages_that_answer.py.
        ("disburse", "under_review"),
        ("reject", "approved"),
    ],
)
def test_forbidden_transitions_are_refused(request, alice, mary, step, fixture):
    application = request.getfixturevalue(fixture)
    calls = {
        "submit": lambda: services.application_submit(actor=alice, application=application),
        "review": lambda: services.application_start_review(actor=mary, application=application),
        "approve": lambda: services.application_approve(
            actor=mary,
            application=application,
            amount=Decimal("100000"),
            term_months=12,
            rate=Decimal("0.0435"),
        ),
        "disburse": lambda: services.application_disburse(actor=mary, application=application),
        "reject": lambda: services.application_reject(
            actor=mary, application=application, reason="x"
        ),
    }
    before = application.status
    with pytest.raises((ValidationError, PermissionDenied)):
        calls[step]()
    application.refresh_from_db()
    assert application.status == before


def test_withdraw_before_disbursement_but_not_after(alice, mary, approved, on_business_date):
    services.application_withdraw(
        actor=alice, application=approved, reason="Customer changed their mind"
    )
    approved.refresh_from_db()
    assert approved.status == "withdrawn"
    with pytest.raises(ValidationError):
        services.application_disburse(actor=mary, application=approved)


def test_withdraw_needs_a_reason(alice, draft):
    with pytest.raises(ValidationError):
        services.application_withdraw(actor=alice, application=draft, reason=" ")


def test_rejection_needs_a_reason(mary, under_review):
    with pytest.raises(ValidationError):
        services.application_reject(actor=mary, application=under_review, reason="")
    services.application_reject(actor=mary, application=under_review, reason="DTI too high")
    under_review.refresh_from_db()
    assert (under_review.status, under_review.decision_reason) == ("rejected", "DTI too high")


def test_submit_needs_a_grade(alice, consumer_product):
    customer = factories.individual(alice, name="新客户")
    application = make_application(alice, customer, consumer_product)
    with pytest.raises(ValidationError, match="Assess"):
        services.application_submit(actor=alice, application=application)


def test_terms_are_checked_against_product_and_grade(
    alice, mary, graded_customer, consumer_product, under_review
):
    with pytest.raises(ValidationError) as error:
        make_application(alice, graded_customer, consumer_product, amount="5000")
    assert "amount" in error.value.message_dict
    # Grade A allows 80% of the product maximum of 500,000.
    with pytest.raises(ValidationError, match=re.escape("at most ¥400,000.00")):
        make_application(alice, graded_customer, consumer_product, amount="450000")
    with pytest.raises(ValidationError) as error:
        services.application_approve(
            actor=mary,
            application=under_review,
            amount=Decimal("100000"),
            term_months=12,
            rate=Decimal("0.0300"),
        )
    assert "at least 4.35%" in str(error.value)
    with pytest.raises(ValidationError):
        services.application_approve(
            actor=mary,
            application=under_review,
            amount=Decimal("100000"),
            term_months=120,
            rate=Decimal("0.0435"),
        )


def test_approval_can_adjust_the_terms(mary, under_review):
    approved = services.application_approve(
        actor=mary,
        application=under_review,
        amount=Decimal("80000"),
        term_months=24,
        rate=Decimal("0.0500"),
        note="Lower amount",
    )
    assert (approved.approved_amount, approved.approved_term_months, approved.approved_rate) == (
        Decimal("80000.00"),
        24,
        Decimal("0.0500"),
    )


def test_weak_grade_needs_collateral_and_guarantor_and_ltv(alice, mary, consumer_product):
    from credit.models import Assessment
    from lending.models import Guarantor

    customer = factories.individual(alice, name="弱客户")
    credit_services.assessment_create(actor=alice, customer=customer, inputs={}, expert_comments={})
    customer.refresh_from_db()
    assert customer.grade == "CC"  # every input missing scores 525
    with pytest.raises(ValidationError, match="does not qualify"):
        make_application(alice, customer, consumer_product)
    # Grade B: collateral and a guarantor are required, LTV at most 60%.
    customer.grade = "B"
    customer.save(update_fields=["grade"])
    application = make_application(alice, customer, consumer_product, amount="100000")
    services.application_submit(actor=alice, application=application)
    services.application_start_review(
        actor=mary, application=application, assessment=Assessment.objects.get(customer=customer)
    )

    def approve():
        return services.application_approve(
            actor=mary,
            application=application,
            amount=Decimal("100000"),
            term_months=12,
            rate=Decimal("0.0685"),
        )

    with pytest.raises(ValidationError, match="require collateral"):
        approve()
    add_collateral(alice, application, value="150000")
    with pytest.raises(ValidationError, match="require a guarantor"):
        approve()
    services.guarantor_add(
        actor=alice,
        guarantor=Guarantor(
            application=application, name="王大明", identifier="", amount=Decimal("100000")
        ),
    )
    with pytest.raises(ValidationError, match=r"Loan to value would be 66\.67%"):
        approve()
    add_collateral(alice, application, value="50000")
    assert approve().status == "approved"


def test_disbursement_creates_the_loan_with_an_exact_schedule(loan):
    rows = list(loan.instalments.order_by("number"))
    assert len(rows) == 12
    assert sum(row.principal_due for row in rows) == Decimal("100000.00")
    assert rows[0].due_date == dt.date(2026, 2, 15)
    assert loan.maturity_date == dt.date(2027, 1, 15)
    assert loan.outstanding_principal == Decimal("100000.00")
    assert loan.application.status == "disbursed"


def test_each_status_change_tells_the_customer(settings, graded_customer, approved):
    notes = list(CustomerNotification.objects.filter(application=approved))
    assert [n.channel for n in notes] == ["sms"] * 3
    assert "正在审核" in notes[1].message or approved.reference in notes[1].message
    send_customer_notification(notes[-1].pk)
    notes[-1].refresh_from_db()
    assert notes[-1].delivered


def test_email_is_used_when_the_customer_has_one(alice, mary, consumer_product, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    customer = factories.individual(alice, name="邮件客户", email="kehu@example.cn")
    customer.grade = "A"
    customer.save(update_fields=["grade"])
    application = make_application(alice, customer, consumer_product)
    services.application_submit(actor=alice, application=application)
    note = CustomerNotification.objects.get(application=application)
    assert note.channel == "email"
    send_customer_notification(note.pk)
    assert mail.outbox[0].to == ["kehu@example.cn"]
    assert application.reference in mail.outbox[0].body


def test_time_in_each_stage_is_recorded(approved):
    from django.utils import timezone

    from lending.selectors import stage_times

    ApplicationEvent.objects.filter(application=approved, to_status="submitted").update(
        at=timezone.now() - dt.timedelta(hours=5)
    )
    stages = stage_times(approved, timezone.now())
    submitted = next(stage for stage in stages if stage.status == "submitted")
    assert submitted.duration >= dt.timedelta(hours=4)
    assert stages[-1].duration is None
