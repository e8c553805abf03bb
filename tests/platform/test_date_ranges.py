"""Every date people type has a range that makes sense, and the page says it next to the
field: a collateral valued on 9999-12-31, a follow-up due in the year 9999 or a birth date in
the year 1 is refused (400, nothing written), a date just outside the range too, with a
message naming both ends, and a date inside it is accepted.

The business date is pinned away from the calendar here, so that each field shows which
day it counts from: servicing dates (statements, valuations, payments) from the business
date, relationship work (calls, complaints, surveys, follow-ups) from the calendar."""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import pkgutil
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from customers.models import DocumentType, Industry
from lending import services as lending_services
from lending.models import Application, Collateral, LoanProduct
from tests.customers import factories
from tests.platform.bad_input import fingerprint
from tests.risk.conftest import assessed

BUSINESS_DATE = dt.date(2026, 3, 15)
BUSINESS, CALENDAR = "business date", "calendar"


def _years_from(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@dataclass
class DateField:
    """A date field of a page: where it is posted, by whom, a submission it accepts with a
    date put in, and the range it must keep."""

    id: str
    url: callable  # (book) -> url
    user: str
    data: callable  # (book, date text) -> POST data
    field: str
    counts_from: str
    years_back: int
    years_ahead: int = 0
    required: bool = True
    with_time: bool = False
    # Django admin answers a refused form with 200, as Django does.
    refused_status: int = 400

    def __str__(self) -> str:
        return self.id

    def bounds(self) -> tuple[dt.date, dt.date]:
        today = BUSINESS_DATE if self.counts_from == BUSINESS else timezone.localdate()
        return _years_from(today, -self.years_back), _years_from(today, self.years_ahead)

    def text(self, day: dt.date | str) -> str:
        day = day if isinstance(day, str) else day.isoformat()
        # Midnight: the earliest moment of the day, so "today" is never in the future.
        return f"{day}T00:00" if self.with_time else day


@pytest.fixture
def book(settings, cast, alice, mary):
    settings.BUSINESS_DATE = BUSINESS_DATE
    product = LoanProduct.objects.get(code="CONS-01")
    person = assessed(alice, factories.individual(alice, name="王小明"))
    draft = lending_services.application_create(
        actor=alice,
        application=Application(
            customer=person,
            product=product,
            amount=Decimal("100000"),
            term_months=12,
            purpose="Home renovation",
        ),
    )
    secured = lending_services.application_create(
        actor=alice,
        application=Application(
            customer=person,
            product=product,
            amount=Decimal("100000"),
            term_months=12,
            purpose="Car",
        ),
    )
    collateral = lending_services.collateral_add(
        actor=alice,
        collateral=Collateral(
            application=secured,
            collateral_type="real_estate",
            description="Flat",
            owner_name="王小明",
            value=Decimal("300000"),
            valued_on=dt.date(2026, 1, 1),
        ),
    )
    lending_services.application_submit(actor=alice, application=secured)
    lending_services.application_start_review(actor=mary, application=secured)
    lending_services.application_approve(
        actor=mary,
        application=secured,
        amount=Decimal("100000"),
        term_months=12,
        rate=Decimal("0.0435"),
    )
    loan = lending_services.application_disburse(
        actor=mary, application=secured, on=dt.date(2026, 1, 15)
    )
    return {
        "person": person,
        "draft": draft,
        "loan": loan,
        "collateral": collateral,
        "industry": Industry.objects.filter(is_active=True).first(),
        **_exposure_and_post_loan(cast, person=person, loan=loan, product=product),
    }


def _exposure_and_post_loan(cast, *, person, loan, product) -> dict:
    """What the forms of the exposure and post-loan features post to: a spouse and the
    link to her, the collection case of the loan past due, its inspection due, the person's
    credit bureau consent, and a loan written off."""
    from credit import bureau_services
    from credit.bureau import BureauConsent
    from customers import relation_services
    from customers.models import Customer
    from customers.relations import RelationKind
    from lending.models import CollectionCase, Inspection
    from lending.services import collections as collection_services
    from tests.platform import exposure_world

    alice = cast["alice"]
    spouse = factories.individual(alice, name="李梅")
    sister = factories.individual(alice, name="王小红")
    relation = relation_services.relation_record(
        actor=alice,
        from_customer=person,
        to_customer=sister,
        kind=RelationKind.HOUSEHOLD,
        started_on=dt.date(2000, 1, 1),
        evidence="Household register",
    )
    # The first instalment, due on 15 February, is unpaid: the night opens the case.
    last_customer = Customer.objects.order_by("-pk").values_list("pk", flat=True).first()
    collection_services.collection_cases_refresh(
        first_id=0, last_id=last_customer, on=BUSINESS_DATE
    )
    inspection = Inspection.objects.create(
        loan=loan, customer=person, kind="first", due_on=BUSINESS_DATE, status="due"
    )
    bureau_services.bureau_consent_record(
        actor=alice,
        consent=BureauConsent(
            customer=person,
            signed_on=dt.date(2026, 1, 1),
            scope="both",
            document_reference="WALK-1",
            valid_until=dt.date(2028, 12, 31),
        ),
    )
    exposure_world.write_off_conditions_met_at_once()
    lost = exposure_world.loss_loan(
        owner=cast["mary"],
        risk_officer=cast["rita"],
        customer=person,
        product=product,
        reference="WALK-LOSS",
        disbursed_on=BUSINESS_DATE - dt.timedelta(days=60),
    )
    # Legal cases: a case of the written-off loan in the legal stage with none filed yet,
    # and the legal case of the loan's own case, its judgment recorded (an enforcement
    # follows a judgment).
    from lending.collection_models import CollectionStage
    from lending.legal_models import LegalCase

    collection_case = CollectionCase.objects.get(loan=loan, status="open")
    legal_stage_case = CollectionCase.objects.create(
        loan=lost,
        customer=person,
        stage=CollectionStage.objects.get(code="legal"),
        opened_on=BUSINESS_DATE,
        stage_since=BUSINESS_DATE,
        overdue_since=BUSINESS_DATE - dt.timedelta(days=91),
        amount_overdue=Decimal("1000.00"),
    )
    legal_case = LegalCase.objects.create(
        collection_case=collection_case,
        loan=loan,
        customer=person,
        court="北京市朝阳区人民法院",
        case_number="WALK-1",
        filed_on=BUSINESS_DATE - dt.timedelta(days=30),
        claim_amount=Decimal("10000.00"),
        judgment_on=BUSINESS_DATE - dt.timedelta(days=10),
        amount_awarded=Decimal("9000.00"),
        recorded_by=alice,
    )
    return {
        "spouse": spouse,
        "relation": relation,
        "legal_stage_case": legal_stage_case,
        "legal_case": legal_case,
        "collection_case": collection_case,
        "inspection": inspection,
        "written_off": exposure_world.written_off(proposer=alice, approver=cast["mary"], loan=lost),
        "document_type": DocumentType.objects.filter(is_active=True).order_by("pk").first(),
    }


def _person_url(name: str):
    return lambda b: reverse(name, args=[b["person"].pk])


# Born on the day the range allows, as the ID says (a birth date must match the ID).
def _individual(b, day: str) -> dict:
    try:
        birth = dt.date.fromisoformat(day)
        number = factories.resident_id(birth)
    except ValueError:
        number = factories.resident_id()
    return {"kind": "individual", "name": "陈静", "resident_id": number, "birth_date": day}


def _days_on(years: int) -> str:
    return _years_from(BUSINESS_DATE, years).isoformat()


def _facility(**dates):
    def data(b, day: str) -> dict:
        return {
            "kind": "revolving",
            "limit": "100000",
            "reason": "Working capital",
            **{name: day if value is None else value for name, value in dates.items()},
        }

    return data


def _document(b, day: str) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.platform.exposure_world import PDF

    return {
        "document_type": b["document_type"].pk,
        "file": SimpleUploadedFile("licence.pdf", PDF, content_type="application/pdf"),
        "expires_on": day,
    }


def _inspection(b, day: str) -> dict:
    from lending.inspection_forms import checklist_of

    findings = {}
    for index, _item in enumerate(checklist_of(b["loan"].product)):
        findings.update({f"result_{index}": "satisfactory", f"note_{index}": ""})
    return {"inspected_on": day, "conclusion": "normal", **findings}


def _bureau_report(b, report_date: str, valid_until: str) -> dict:
    return {
        "source": "pboc",
        "reference": "PBOC-WALK",
        "report_date": report_date,
        "valid_until": valid_until,
        "overdue_m1_24m": "1",
        "overdue_m2_24m": "0",
        "overdue_m3_plus_24m": "0",
        "enquiries_6m": "2",
        "worst_status": "m1",
        "accounts-TOTAL_FORMS": "0",
        "accounts-INITIAL_FORMS": "0",
    }


def _customer_url(name: str, key: str = "customer_pk"):
    return lambda b: reverse(name, kwargs={key: b["person"].pk})


# The forms of the exposure and post-loan features (issues 22 to 24).
EXPOSURE_AND_POST_LOAN_FIELDS = [
    DateField(
        "related party since",
        _person_url("customers:relation-add"),
        "alice",
        lambda b, day: {
            "side": "spouse",
            "other": b["spouse"].pk,
            "started_on": day,
            "evidence": "Marriage record",
        },
        "started_on",
        BUSINESS,
        years_back=120,
    ),
    DateField(
        "related party ended on",
        lambda b: reverse("customers:relation-end", args=[b["person"].pk, b["relation"].pk]),
        "alice",
        lambda b, day: {"ended_on": day},
        "ended_on",
        BUSINESS,
        years_back=120,
    ),
    DateField(
        "document expiry",
        lambda b: reverse("documents:upload", args=["customer", b["person"].pk]),
        "alice",
        _document,
        "expires_on",
        BUSINESS,
        years_back=10,
        years_ahead=50,
        required=False,  # documents of a type without an expiry have none
    ),
    DateField(
        "promise to pay",
        lambda b: reverse("lending:collection-contact", args=[b["collection_case"].pk]),
        "alice",
        lambda b, day: {
            "channel": "phone",
            "result": "promised",
            "promise_amount": "500",
            "promise_date": day,
        },
        "promise_date",
        BUSINESS,
        years_back=0,
        years_ahead=1,
    ),
    DateField(
        "facility start",
        _customer_url("lending:facility-create"),
        "alice",
        _facility(start_date=None, review_date=_days_on(2), expiry_date=_days_on(3)),
        "start_date",
        BUSINESS,
        years_back=5,
        years_ahead=1,
    ),
    DateField(
        "facility expiry",
        _customer_url("lending:facility-create"),
        "alice",
        _facility(start_date=_days_on(0), review_date=_days_on(1), expiry_date=None),
        "expiry_date",
        BUSINESS,
        years_back=5,
        years_ahead=30,
    ),
    DateField(
        "facility review",
        _customer_url("lending:facility-create"),
        "alice",
        _facility(start_date=_days_on(0), review_date=None, expiry_date=_days_on(30)),
        "review_date",
        BUSINESS,
        years_back=5,
        years_ahead=30,
    ),
    DateField(
        "inspection",
        lambda b: reverse("lending:inspection-detail", args=[b["inspection"].pk]),
        "alice",
        _inspection,
        "inspected_on",
        BUSINESS,
        years_back=5,
    ),
    DateField(
        "month-end provisions",
        lambda b: reverse("risk:provision-run"),
        "rita",
        lambda b, day: {"month": day},
        "month",
        BUSINESS,
        years_back=20,
    ),
    DateField(
        "bureau consent signed",
        _customer_url("credit:bureau-consent-add"),
        "alice",
        lambda b, day: {
            "signed_on": day,
            "scope": "origination",
            "document_reference": "AUTH-WALK",
            "valid_until": _days_on(1),
        },
        "signed_on",
        BUSINESS,
        years_back=10,
    ),
    DateField(
        "bureau consent valid until",
        _customer_url("credit:bureau-consent-add"),
        "alice",
        lambda b, day: {
            "signed_on": _days_on(0),
            "scope": "origination",
            "document_reference": "AUTH-WALK",
            "valid_until": day,
        },
        "valid_until",
        BUSINESS,
        years_back=10,
        years_ahead=5,
    ),
    DateField(
        "bureau report date",
        _customer_url("credit:bureau-report-add"),
        "alice",
        lambda b, day: _bureau_report(b, day, _days_on(1)),
        "report_date",
        BUSINESS,
        years_back=10,
    ),
    DateField(
        "bureau report valid until",
        _customer_url("credit:bureau-report-add"),
        "alice",
        lambda b, day: _bureau_report(b, _days_on(0), day),
        "valid_until",
        BUSINESS,
        years_back=10,
        years_ahead=1,
    ),
    DateField(
        "legal case filed",
        lambda b: reverse("lending:legal-case-open", args=[b["legal_stage_case"].pk]),
        "alice",
        lambda b, day: {
            "court": "北京市朝阳区人民法院",
            "case_number": "WALK-2",
            "filed_on": day,
            "claim_amount": "5000",
        },
        "filed_on",
        BUSINESS,
        years_back=10,
    ),
    *(
        DateField(
            f"legal case {step}",
            lambda b, step=step: reverse(
                "lending:legal-case-step", args=[b["legal_case"].pk, step]
            ),
            "alice",
            lambda b, day, data=data, field=field: {**data, field: day},
            field,
            BUSINESS,
            years_back=10,
        )
        for step, field, data in [
            ("judgment", "judgment_on", {"amount_awarded": "9000"}),
            ("enforcement", "enforcement_on", {"status": "applied"}),
            ("asset", "preserved_on", {"description": "Flat", "value": "300000"}),
            ("cost", "paid_on", {"description": "Court fee", "amount": "800"}),
            ("recovery", "received_on", {"amount": "100", "reference": "LEGAL-WALK"}),
        ]
    ),
    DateField(
        "recovery after a write-off",
        lambda b: reverse("lending:write-off-recovery", args=[b["written_off"].pk]),
        "alice",
        lambda b, day: {"amount": "100", "received_on": day, "reference": "REC-WALK"},
        "received_on",
        BUSINESS,
        years_back=50,
    ),
]


DATE_FIELDS = [
    DateField(
        "birth date",
        lambda b: reverse("customers:create"),
        "alice",
        _individual,
        "birth_date",
        BUSINESS,
        years_back=120,
        required=False,  # taken from the resident ID when empty
    ),
    DateField(
        "founding date",
        lambda b: reverse("customers:create") + "?kind=enterprise",
        "alice",
        lambda b, day: {
            "kind": "enterprise",
            "name": "鑫源商贸有限公司",
            "credit_code": factories.credit_code(),
            "industry": b["industry"].pk,
            "founded_on": day,
        },
        "founded_on",
        BUSINESS,
        years_back=400,
        required=False,  # not always known
    ),
    DateField(
        "needs recorded on",
        _person_url("customers:needs-add"),
        "alice",
        lambda b, day: {
            "products_of_interest": "Mortgage",
            "risk_appetite": "balanced",
            "preferred_channel": "phone",
            "recorded_on": day,
        },
        "recorded_on",
        CALENDAR,
        years_back=5,
    ),
    DateField(
        "interaction",
        _person_url("customers:interaction-add"),
        "alice",
        lambda b, day: {
            "channel": "phone",
            "direction": "outbound",
            "occurred_at": day,
            "summary": "Talked about the renewal",
        },
        "occurred_at",
        CALENDAR,
        years_back=5,
        with_time=True,
    ),
    DateField(
        "interaction's next step due",
        _person_url("customers:interaction-add"),
        "alice",
        lambda b, day: {
            "channel": "phone",
            "direction": "outbound",
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "summary": "Talked about the renewal",
            "next_step": "Send the offer",
            "next_step_due": day,
        },
        "next_step_due",
        CALENDAR,
        years_back=0,
        years_ahead=2,
        required=False,
    ),
    DateField(
        "follow-up due",
        _person_url("customers:follow-up-add"),
        "alice",
        lambda b, day: {"kind": "call", "purpose": "Renewal", "due_on": day},
        "due_on",
        CALENDAR,
        years_back=0,
        years_ahead=2,
    ),
    DateField(
        "complaint received",
        _person_url("customers:complaint-add"),
        "alice",
        lambda b, day: {
            "kind": "complaint",
            "category": "fees",
            "severity": "low",
            "description": "Fee not explained",
            "received_at": day,
        },
        "received_at",
        CALENDAR,
        years_back=5,
        with_time=True,
    ),
    DateField(
        "survey responded",
        _person_url("customers:survey-add"),
        "alice",
        lambda b, day: {"event": "periodic", "source": "call", "csat": "4", "responded_on": day},
        "responded_on",
        CALENDAR,
        years_back=5,
    ),
    DateField(
        "statement period end",
        lambda b: reverse("credit:statement-add", kwargs={"customer_pk": b["person"].pk}),
        "alice",
        lambda b, day: {
            "period_end": day,
            "annual_income": "180000",
            "annual_expenses": "60000",
            "personal_assets": "900000",
            "personal_debts": "100000",
            "debt_service": "30000",
        },
        "period_end",
        BUSINESS,
        years_back=20,
    ),
    DateField(
        "collateral valuation",
        lambda b: reverse("lending:collateral-add", args=[b["draft"].pk]),
        "alice",
        lambda b, day: {
            "collateral_type": "vehicle",
            "description": "Car",
            "owner_name": "王小明",
            "value": "80000",
            "valued_on": day,
        },
        "valued_on",
        BUSINESS,
        years_back=10,
    ),
    DateField(
        "collateral revaluation",
        lambda b: reverse(
            "lending:collateral-revalue",
            kwargs={"pk": b["loan"].pk, "collateral_pk": b["collateral"].pk},
        ),
        "mary",
        lambda b, day: {"value": "280000", "valued_on": day},
        "valued_on",
        BUSINESS,
        years_back=10,
    ),
    DateField(
        "repayment",
        lambda b: reverse("lending:repayment-post", args=[b["loan"].pk]),
        "alice",
        lambda b, day: {"amount": "500", "paid_on": day, "channel": "counter", "reference": "R"},
        "paid_on",
        BUSINESS,
        years_back=50,
    ),
    DateField(
        "industry on the watch list since",
        lambda b: reverse("admin:risk_industrywatch_add"),
        "admin",
        lambda b, day: {"industry": b["industry"].pk, "reason": "Overcapacity", "since": day},
        "since",
        CALENDAR,
        years_back=50,
        refused_status=200,
    ),
    *EXPOSURE_AND_POST_LOAN_FIELDS,
]

# A date the range allows but the field's other rules may not (a revaluation cannot predate
# the current valuation, a payment the disbursement): the one to show acceptance with.
ACCEPTED = {
    "birth date": lambda f: f.bounds()[0] + dt.timedelta(days=1),
    "collateral revaluation": lambda f: BUSINESS_DATE,
    "repayment": lambda f: BUSINESS_DATE,
    # The last month that has ended: the current one is frozen once it ends.
    "month-end provisions": lambda f: dt.date(2026, 2, 28),
    # Written off on the business date: a recovery comes after it.
    "recovery after a write-off": lambda f: BUSINESS_DATE,
}


def _errors(response) -> dict:
    """The messages next to the fields of the form the refused post came back in (the
    page's form, the loan page's repayment or revaluation form, the admin's form)."""
    for context in response.context or []:
        for value in context.flatten().values():
            # The documents panel keeps its form in the panel's context.
            for candidate in value.values() if isinstance(value, dict) else [value]:
                candidate = getattr(candidate, "form", candidate)  # the admin wraps its form
                bound = isinstance(candidate, forms.BaseForm) and candidate.is_bound
                if bound and candidate.errors:
                    return candidate.errors
    return {}


@pytest.mark.parametrize("date_field", DATE_FIELDS, ids=str)
def test_a_date_outside_its_range_is_refused_next_to_the_field(client_for, cast, book, date_field):
    client = client_for(cast[date_field.user])
    earliest, latest = date_field.bounds()
    url = date_field.url(book)
    refused = {
        "far future": "9999-12-31",
        "year one": "0001-01-01",
        "the day after the range": latest + dt.timedelta(days=1),
        "the day before the range": earliest - dt.timedelta(days=1),
    }
    for case, day in refused.items():
        before = fingerprint()
        response = client.post(url, date_field.data(book, date_field.text(day)))
        assert response.status_code == date_field.refused_status, case
        messages = _errors(response).get(date_field.field)
        assert messages, f"{case}: no message next to {date_field.field}"
        if not isinstance(day, str):
            # The message says the range, whichever end was crossed.
            assert earliest.isoformat() in messages[0] and latest.isoformat() in messages[0]
        assert fingerprint() == before, f"{case} was refused but written"
    if date_field.required:
        before = fingerprint()
        response = client.post(url, date_field.data(book, ""))
        assert response.status_code == date_field.refused_status
        assert _errors(response).get(date_field.field)
        assert fingerprint() == before
    accepted = ACCEPTED.get(date_field.id, lambda f: latest)(date_field)
    response = client.post(url, date_field.data(book, date_field.text(accepted)))
    assert response.status_code == 302, _errors(response)


# --- Every date field of every form is held to a range ----------------------------------------

PROJECT_APPS = ["accounts", "audit", "customers", "credit", "lending", "risk", "dashboards"]

# Date fields that record no date, with the reason they need no range of their own.
UNRANGED = {
    # The classification override's end follows the override's own rules (risk/services.py).
    "risk.forms.OverrideForm.until": "the override's own rules",
    # The periodic-task form's dates are django-celery-beat's own fields, shown with the
    # task's name; beat checks them.
    "audit.admin.NamedTaskPeriodicTaskForm.expires": "beat's own field",
    "audit.admin.NamedTaskPeriodicTaskForm.start_time": "beat's own field",
}


def _is_filter(form_class) -> bool:
    """Filters pick the rows a page shows (list filters, and every form of the dashboards,
    which record nothing): a far date shows no rows and writes nothing."""
    return form_class.__module__.startswith("dashboards.") or form_class.__name__.endswith(
        "FilterForm"
    )


def _project_forms():
    for app in PROJECT_APPS:
        package = importlib.import_module(app)
        for module_info in pkgutil.iter_modules(package.__path__):
            if module_info.name in {"migrations", "management", "templatetags"}:
                continue
            module = importlib.import_module(f"{app}.{module_info.name}")
            for _name, cls in inspect.getmembers(module, inspect.isclass):
                if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                    yield f"{cls.__module__}.{cls.__qualname__}", cls


def _date_fields(form_class) -> list[str]:
    return [
        name
        for name, field in form_class.base_fields.items()
        if isinstance(field, forms.DateField | forms.DateTimeField)
    ]


def _declared_by(form_class, name: str) -> str:
    """Where a field comes from: the first class of the hierarchy that declares it (report
    forms share the period fields of their base), or the form itself (a model's field)."""
    owners = [cls for cls in form_class.__mro__ if name in getattr(cls, "declared_fields", {})]
    owner = owners[-1] if owners else form_class
    return f"{owner.__module__}.{owner.__qualname__}.{name}"


def _unranged(label: str, form_class) -> list[str]:
    if _is_filter(form_class):
        return []
    ranged = getattr(form_class, "date_ranges", {})
    return [
        f"{label}.{name}"
        for name in _date_fields(form_class)
        if name not in ranged and _declared_by(form_class, name) not in UNRANGED
    ]


def test_every_date_field_of_the_product_forms_has_a_range():
    found = dict(_project_forms())
    dated = {label for label, form_class in found.items() if _date_fields(form_class)}
    # The walk sees the forms (a walk finding nothing would pass for nothing).
    assert {"lending.forms.RepaymentForm", "customers.forms.FollowUpForm"} <= dated
    missing = [name for label, cls in found.items() for name in _unranged(label, cls)]
    assert not missing, f"date fields without a range (core/date_ranges.py): {missing}"
    # Each field with a range is one the HTTP walk above posts far dates into.
    walked = {date_field.field for date_field in DATE_FIELDS}
    ranged = {
        name
        for label, cls in found.items()
        # Admin forms are posted by the admin sweeps (test_bad_input_admin.py).
        if ".admin" not in label and "_admin" not in label
        for name in getattr(cls, "date_ranges", {})
    }
    assert ranged <= walked, ranged - walked


def test_every_date_field_of_the_admin_forms_has_a_range(rf, admin_user):
    request = rf.get("/")
    request.user = admin_user
    missing = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in PROJECT_APPS:
            continue  # third-party admins (beat schedules, devices) are theirs
        if not (
            model_admin.has_add_permission(request) or model_admin.has_change_permission(request)
        ):
            continue  # read-only: business records change through the services
        form_class = model_admin.get_form(request)
        missing += _unranged(f"admin:{model._meta.label_lower}", form_class)
    assert not missing, f"admin date fields without a range: {missing}"
