"""Pages of credit bureau data: the consent, a report entered by hand or imported from a file,
and the report itself. Scoped like the customer (outsiders get 404); a report is shown,
recorded or imported only while a consent is in force, and every opening is audited."""

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.scope import get_in_scope_or_404
from core.forms import apply_service_errors, refusal_status
from credit import bureau_services, policies
from credit.bureau import BureauAccount, BureauReport
from credit.bureau_forms import (
    BureauAccountFormSet,
    BureauImportForm,
    BureauReportForm,
    ConsentForm,
)
from credit.bureau_import import BureauFileError
from credit.selectors import CUSTOMER_SCOPE
from customers.selectors import customer_get_for


def _require_credit_work(user) -> None:
    if not policies.may_work_credit(user):
        raise PermissionDenied


def _refused(request, customer, message: str):
    """No consent in force: the page says so and offers to record one (403: the request is
    understood, and refused until the customer's authorisation is on file)."""
    return render(
        request,
        "credit/bureau_refused.html",
        {"customer": customer, "message": message},
        status=403,
    )


def consent_add(request, customer_pk: int):
    customer = customer_get_for(request.user, customer_pk)
    _require_credit_work(request.user)
    form = ConsentForm(request.POST or None)
    form.instance.customer = customer
    if request.method == "POST" and form.is_valid():
        try:
            bureau_services.bureau_consent_record(actor=request.user, consent=form.instance)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Credit bureau consent recorded."))
            return redirect("customers:detail", pk=customer.pk)
    return render(
        request,
        "credit/bureau_consent_form.html",
        {"form": form, "customer": customer},
        status=refusal_status(request),
    )


def report_add(request, customer_pk: int):
    customer = customer_get_for(request.user, customer_pk)
    _require_credit_work(request.user)
    consent, latest = bureau_services.consent_status(customer)
    if consent is None:
        return _refused(request, customer, bureau_services.no_consent_message(latest))
    form = BureauReportForm(request.POST or None, customer=customer)
    accounts = BureauAccountFormSet(
        request.POST or None, queryset=BureauAccount.objects.none(), prefix="accounts"
    )
    if request.method == "POST" and form.is_valid() and accounts.is_valid():
        try:
            report = bureau_services.bureau_report_record(
                actor=request.user,
                report=form.save(commit=False),
                accounts=accounts.save(commit=False),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Credit bureau report recorded."))
            return redirect("credit:bureau-report", pk=report.pk)
    return render(
        request,
        "credit/bureau_report_form.html",
        {"form": form, "accounts": accounts, "customer": customer},
        status=refusal_status(request),
    )


def report_import(request, customer_pk: int):
    customer = customer_get_for(request.user, customer_pk)
    _require_credit_work(request.user)
    consent, latest = bureau_services.consent_status(customer)
    if consent is None:
        return _refused(request, customer, bureau_services.no_consent_message(latest))
    form = BureauImportForm(request.POST or None, request.FILES or None)
    problems = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = bureau_services.bureau_report_import(
                actor=request.user, customer=customer, data=upload.read(), filename=upload.name
            )
        except BureauFileError as error:
            problems = error.problems
            form.add_error("file", _("The file was not imported; nothing was written."))
        except ValidationError as error:
            problems = error.messages
            form.add_error("file", _("The file was not imported; nothing was written."))
        else:
            messages.success(request, _("Credit bureau report imported."))
            return redirect("credit:bureau-report", pk=report.pk)
    return render(
        request,
        "credit/bureau_import.html",
        {"form": form, "customer": customer, "problems": problems},
        status=refusal_status(request),
    )


def report_detail(request, pk: int):
    report = get_in_scope_or_404(
        request.user,
        BureauReport.objects.select_related("customer", "source", "consent", "recorded_by"),
        pk=pk,
        **CUSTOMER_SCOPE,
    )
    try:
        bureau_services.bureau_report_view(actor=request.user, report=report)
    except ValidationError as error:
        return _refused(request, report.customer, " ".join(error.messages))
    accounts = list(report.accounts.all())
    return render(
        request,
        "credit/bureau_report.html",
        {
            "report": report,
            "customer": report.customer,
            "accounts": accounts,
            "total_balance": sum((account.balance for account in accounts), Decimal(0)),
            "total_monthly_payment": sum(
                (account.monthly_payment for account in accounts), Decimal(0)
            ),
        },
    )
