"""The loan pages: the list with its filters and exports, the loan page with its schedule,
payments, collateral and the four-eyes proposals, and the portfolio import."""

from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import name_columns
from audit.services import export_record
from core import exports
from core.business_date import business_date
from core.forms import apply_service_errors
from core.links import pk_url
from core.numbers import format_money
from core.replica import reads_from_replica
from credit.forms import ReasonForm
from customers.selectors import officers_visible_to
from lending import importer, policies, selectors, services
from lending.forms import (
    LoanFilterForm,
    PortfolioImportForm,
    RepaymentForm,
    RestructureForm,
    RevalueForm,
)
from lending.models import (
    Collateral,
    Guarantor,
    LoanStatus,
    ProposalStatus,
    Repayment,
    RepaymentReversalProposal,
    RestructuringProposal,
)

PAGE_SIZE = 50
# What a row of the list shows: the customer's row is wide and decrypted field by field, the
# list needs its name.
LIST_COLUMNS = [
    "restructured_on",
    "outstanding_principal",
    "annual_rate",
    "maturity_date",
    "status",
    "customer__name",
    "product__name",
]


def _filtered_loans(request):
    form = LoanFilterForm(request.GET or None, officers=officers_visible_to(request.user))
    filters = form.cleaned_data if form.is_valid() else {}
    loans = selectors.loan_filter(selectors.loans_for(request.user), filters)
    return form, loans.order_by("-disbursed_on", "-id"), filters


def _refused_loan_filters(request, form):
    """A filter value the form cannot read: the list says which, next to the field, and shows
    no rows (rows filtered by the other values only would pass for the ones asked for)."""
    return render(
        request,
        "lending/loan_list.html",
        {
            "form": form,
            "loans": [],
            "page": 1,
            "business_date": business_date(),
            "can_import": policies.may_import_portfolio(request.user),
        },
        status=400,
    )


def loan_list(request):
    form, loans, filters = _filtered_loans(request)
    if form.is_bound and not form.is_valid():
        return _refused_loan_filters(request, form)
    page = filters.get("page") or 1
    rows = list(loans.only(*LIST_COLUMNS)[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1])
    query = {key: value for key, value in request.GET.items() if key != "page" and value}
    loans_and_dpd = selectors.loans_with_dpd(rows[:PAGE_SIZE])
    detail_url = pk_url("lending:loan-detail")
    # Translated once per page: get_status_display rebuilds the choices on every call.
    statuses = {value: str(label) for value, label in LoanStatus.choices}
    return render(
        request,
        "lending/loan_list.html",
        {
            "form": form,
            "loans": loans_and_dpd,
            # Each row with its link and its status's label, for the table.
            "rows": [
                (loan, dpd, detail_url(loan.pk), statuses.get(loan.status, loan.status))
                for loan, dpd in loans_and_dpd
            ],
            "has_next": len(rows) > PAGE_SIZE,
            "page": page,
            "query": urlencode(query),
            "business_date": business_date(),
            "can_import": policies.may_import_portfolio(request.user),
        },
    )


@reads_from_replica
def loan_export(request, fmt: str):
    if fmt not in exports.FORMATS:
        raise Http404
    form, loans, _filters = _filtered_loans(request)
    if form.is_bound and not form.is_valid():
        return _refused_loan_filters(request, form)
    # Loans moved to lending but keep the type their earlier export rows carry.
    export_record(actor=request.user, what="credit.loan", fmt=fmt, query=request.GET.urlencode())
    return exports.export(
        fmt,
        loans.select_related("customer__officer", "customer__branch", "risk"),
        loan_columns(),
        stem="loans",
        sheet=_("Loans"),
    )


def loan_columns():
    return [
        (_("Account"), lambda loan: loan.account_number),
        (_("Customer"), lambda loan: loan.customer.name),
        (_("Product"), lambda loan: _(loan.product.name)),
        (_("Amount disbursed"), lambda loan: loan.principal),
        (_("Outstanding principal"), lambda loan: loan.outstanding_principal),
        (_("Annual rate"), lambda loan: loan.annual_rate, exports.PERCENT),
        (_("Disbursed"), lambda loan: loan.disbursed_on),
        (_("Maturity"), lambda loan: loan.maturity_date),
        (_("Days past due"), lambda loan: getattr(getattr(loan, "risk", None), "dpd", "")),
        (
            _("Class"),
            lambda loan: loan.risk.get_final_class_display() if getattr(loan, "risk", None) else "",
        ),
        (_("Status"), lambda loan: loan.get_status_display()),
        (_("Relationship manager"), lambda loan: str(loan.customer.officer)),
        (_("Branch"), lambda loan: str(loan.customer.branch)),
    ]


def loan_detail(request, pk: int):
    return _render_loan(request, selectors.loan_page_get_for(request.user, pk))


# A schedule longer than this folds: the page shows what is unpaid and fallen due, and the
# next few instalments; the paid ones before and the later ones open on request.
SCHEDULE_SHOWN_IN_FULL = 12
NEXT_INSTALMENTS_SHOWN = 3


def _folded_schedule(rows: list, on) -> dict:
    """The schedule's rows with their state, split into (earlier, shown, later): all in
    `shown` for a short schedule."""
    schedule = [(row, row.state_on(on)) for row in rows]
    if len(schedule) <= SCHEDULE_SHOWN_IN_FULL:
        return {"earlier": [], "shown": schedule, "later": []}
    first_unpaid = next(
        (index for index, (row, _state) in enumerate(schedule) if not row.settled_on),
        len(schedule),
    )
    fallen_due = sum(1 for row, _state in schedule[first_unpaid:] if row.due_date <= on)
    end = first_unpaid + fallen_due + NEXT_INSTALMENTS_SHOWN
    return {
        "earlier": schedule[:first_unpaid],
        "shown": schedule[first_unpaid:end],
        "later": schedule[end:],
    }


def _schedule_rows(schedule: list) -> str:
    """The `<tr>`s of (row, state) pairs, written here: through an included template, the
    rows of a schedule (every one of a long loan's, folded or not) cost the loan page about
    2 ms of its 40, and escaping every cell through format_html_join about 1 ms of its 20.
    No cell needs escaping: numbers, ISO dates, money as core.numbers writes it, a state's
    code and the badges built here with format_html."""
    partly_paid = format_html('<span class="badge text-bg-warning">{}</span>', _("partly paid"))
    badges = {
        "paid": format_html('<span class="badge text-bg-success">{}</span>', _("paid")),
        "overdue": format_html('<span class="badge text-bg-danger">{}</span>', _("overdue")),
        "due_today": format_html('<span class="badge text-bg-warning">{}</span>', _("due today")),
        "partly_paid": partly_paid,
        "scheduled": format_html(
            '<span class="badge text-bg-light border">{}</span>', _("scheduled")
        ),
    }
    rows = "".join(
        f'\n    <tr data-state="{state}">\n      <td>{row.number}</td>\n'
        f"      <td>{row.due_date.isoformat()}</td>\n"
        f'      <td class="text-end">{format_money(row.principal_due)}</td>\n'
        f'      <td class="text-end">{format_money(row.interest_due)}</td>\n'
        f'      <td class="text-end">{format_money(row.total_due)}</td>\n'
        f'      <td class="text-end">{format_money(row.paid) if row.paid else "—"}</td>\n'
        f"      <td>{badges[state]}{' ' + partly_paid if state == 'overdue' and row.paid else ''}"
        "</td>\n    </tr>"
        for row, state in schedule
    )
    return mark_safe(rows + "\n")  # noqa: S308


def _naming(queryset, *people: str):
    """`queryset` with its own columns whole and, of each person it joins, their name."""
    own = [field.name for field in queryset.model._meta.concrete_fields]
    return queryset.select_related(*people).only(*own, *name_columns(*people))


def _render_loan(request, loan, *, forms: dict | None = None, http_status: int = 200):
    on = business_date()
    rows = selectors.current_schedule(loan)
    collateral = list(loan.application.collateral.all())
    collateral_total = sum((c.value for c in collateral), 0)
    # The list shows no one who posted or reversed a payment: no users joined.
    repayments = list(loan.repayments.all())
    # The schedule's totals, summed from its rows already read (no query of their own).
    totals = {
        "principal": sum((row.principal_due for row in rows), Decimal("0.00")) if rows else None,
        "interest": sum((row.interest_due for row in rows), Decimal("0.00")) if rows else None,
    }
    schedule = _folded_schedule(rows, on)
    user = request.user
    restructuring_proposal = _naming(
        loan.restructuring_proposals.filter(status=ProposalStatus.PENDING), "proposed_by"
    ).first()
    # A reversal is proposed for one of the loan's payments: none posted, none to look for.
    reversal_proposal = (
        _naming(
            loan.reversal_proposals.filter(status=ProposalStatus.PENDING).select_related(
                "repayment"
            ),
            "proposed_by",
        ).first()
        if repayments
        else None
    )
    # Approving a restructuring records it and dates the loan's restructured_on in the same
    # transaction (services.restructuring_approve, the one place that records one): a loan
    # never restructured has no record to look for.
    restructurings = (
        list(_naming(loan.restructurings.all(), "decided_by", "proposal__proposed_by"))
        if loan.restructured_on
        else []
    )
    return render(
        request,
        "lending/loan_detail.html",
        {
            "loan": loan,
            "customer": loan.customer,
            "business_date": on,
            "dpd": selectors.loan_dpd(loan, rows, on),
            "arrears": selectors.loan_arrears(loan, rows, on),
            "schedule": schedule,
            "schedule_rows": {part: _schedule_rows(pairs) for part, pairs in schedule.items()},
            "totals": totals,
            "repayments": repayments,
            "latest_repayment": next((r for r in repayments if not r.reversed_at), None),
            "collateral": collateral,
            "ltv": (loan.outstanding_principal / collateral_total).quantize(Decimal("0.0001"))
            if collateral_total
            else None,
            # A guarantor shows as their name (Guarantor.__str__): not the customer's whole
            # row, nor their phone and ID number decrypted.
            "guarantors": list(
                loan.application.guarantors.select_related("guarantor_customer").only(
                    *(field.name for field in Guarantor._meta.concrete_fields),
                    "guarantor_customer__name",
                )
            ),
            "restructurings": restructurings,
            "can_post": policies.may_service_loans(request.user) and loan.status == "active",
            # Four eyes: officers and managers propose a restructuring or a reversal; another
            # person with the authority approves or rejects it; the proposer may withdraw it.
            "can_propose": policies.may_service_loans(user),
            "restructuring_proposal": restructuring_proposal,
            "reversal_proposal": reversal_proposal,
            "can_decide_restructuring": restructuring_proposal is not None
            and policies.may_decide_loan_change(user, loan, restructuring_proposal),
            "can_decide_reversal": reversal_proposal is not None
            and policies.may_decide_loan_change(user, loan, reversal_proposal),
            "proposer_refusal": services.PROPOSER_REFUSAL,
            "repayment_form": RepaymentForm(initial={"paid_on": on}),
            "restructure_form": RestructureForm(initial={"new_rate": loan.annual_rate}),
            "reason_form": ReasonForm(),
            "restructuring_reject_form": ReasonForm(prefix="restructuring"),
            "reversal_reject_form": ReasonForm(prefix="reversal"),
            **(forms or {}),
        },
        status=http_status,
    )


LOAN_FORM_SLOTS = {
    "RepaymentForm": "repayment_form",
    "RestructureForm": "restructure_form",
    "ReasonForm": "reason_form",
    # Shown with its errors under the collateral item whose URL it was posted to.
    "RevalueForm": "revalue_form",
}


def _loan_action(
    request,
    pk: int,
    form_class,
    action,
    success,
    *,
    anchor: str = "repayments",
    refusals_on_top: bool = False,
):
    """Shared POST flow of the loan page; bad input or a refused payment answers 400 with
    the page and the reason next to the field (never a half-posted payment). `success` is
    the message, or makes it from what the action returned. With `refusals_on_top`, a
    refusal that names no field goes above the page: the form may not be on it any more (a
    proposal waits in its place)."""
    loan = selectors.loan_get_for(request.user, pk)
    form = form_class(request.POST)
    slot = (
        {LOAN_FORM_SLOTS[form_class.__name__]: form}
        if (form_class.__name__ in LOAN_FORM_SLOTS)
        else {}
    )
    if form.is_valid():
        try:
            result = action(loan, form.cleaned_data)
        except ValidationError as error:
            if refusals_on_top and not hasattr(error, "error_dict"):
                messages.error(request, " ".join(error.messages))
            else:
                apply_service_errors(form, error)
        else:
            messages.success(request, success(result) if callable(success) else success)
            return redirect(f"{reverse('lending:loan-detail', args=[loan.pk])}#{anchor}")
    if not slot:
        messages.error(request, "; ".join(" ".join(errors) for errors in form.errors.values()))
    loan.refresh_from_db()
    return _render_loan(request, loan, forms=slot, http_status=400)


@require_POST
def repayment_post(request, pk: int):
    return _loan_action(
        request,
        pk,
        RepaymentForm,
        lambda loan, data: services.repayment_post(
            actor=request.user,
            loan=loan,
            amount=data["amount"],
            paid_on=data["paid_on"],
            channel=data["channel"],
            reference=data["reference"],
            allow_prepayment=data["allow_prepayment"],
        ),
        _("Payment posted."),
    )


def _proposed(created_message: str, again_message: str):
    """The success message of a proposing step: new, or the same form sent again (which
    adds nothing: the proposal already waits)."""
    return lambda result: created_message if result[1] else again_message


@require_POST
def repayment_reverse(request, pk: int, repayment_pk: int):
    """Proposes the reversal of a payment; it takes effect when someone else approves it."""
    loan = selectors.loan_get_for(request.user, pk)
    repayment = get_object_or_404(Repayment, pk=repayment_pk, loan=loan)
    return _loan_action(
        request,
        pk,
        ReasonForm,
        lambda loan, data: services.repayment_reversal_propose(
            actor=request.user, repayment=repayment, reason=data["reason"]
        ),
        _proposed(
            _("Reversal proposed: it takes effect when a manager other than you approves it."),
            _("This reversal already awaits approval; nothing was added."),
        ),
        refusals_on_top=True,
    )


@require_POST
def loan_restructure(request, pk: int):
    """Proposes new terms; they take effect when someone else approves them."""
    return _loan_action(
        request,
        pk,
        RestructureForm,
        lambda loan, data: services.restructuring_propose(
            actor=request.user,
            loan=loan,
            new_term_months=data["new_term_months"],
            new_rate=data["new_rate"],
            reason=data["reason"],
        ),
        _proposed(
            _(
                "Restructuring proposed: the new terms take effect when a manager other than "
                "you approves them."
            ),
            _("This restructuring already awaits approval; nothing was added."),
        ),
        anchor="restructuring",
        refusals_on_top=True,
    )


def _proposal_step(
    request, pk: int, proposal_pk: int, model, step, *, success: str, anchor: str, form=None
):
    """Approve, reject or withdraw a proposal from the loan page: scope (404 for the loan
    and for a proposal of another loan), form, one service call. A refusal answers with the
    page and the reason: 403 for a proposer deciding their own, 400 otherwise; nothing
    changed. A reject form's prefix names its slot on the page (restructuring_reject_form,
    reversal_reject_form)."""
    loan = selectors.loan_get_for(request.user, pk)
    proposal = get_object_or_404(model, pk=proposal_pk, loan=loan)
    slots = {f"{form.prefix}_reject_form": form} if form is not None else {}
    http_status = 400
    if form is None or form.is_valid():
        try:
            step(proposal, form.cleaned_data if form is not None else {})
        except services.FourEyesRefused as refusal:
            messages.error(request, str(refusal))
            http_status = 403
        except ValidationError as error:
            if form is not None and hasattr(error, "error_dict"):
                apply_service_errors(form, error)
            else:
                # Decided or withdrawn meanwhile: the proposal is gone from the page.
                messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, success)
            return redirect(f"{reverse('lending:loan-detail', args=[loan.pk])}#{anchor}")
    loan.refresh_from_db()
    return _render_loan(request, loan, forms=slots, http_status=http_status)


@require_POST
def restructuring_approve(request, pk: int, proposal_pk: int):
    return _proposal_step(
        request,
        pk,
        proposal_pk,
        RestructuringProposal,
        lambda proposal, data: services.restructuring_approve(
            actor=request.user, proposal=proposal
        ),
        success=_("Restructuring approved: the new schedule is in force."),
        anchor="restructuring",
    )


@require_POST
def restructuring_reject(request, pk: int, proposal_pk: int):
    return _proposal_step(
        request,
        pk,
        proposal_pk,
        RestructuringProposal,
        lambda proposal, data: services.loan_change_reject(
            actor=request.user, proposal=proposal, reason=data["reason"]
        ),
        success=_("Restructuring rejected: the loan keeps its terms."),
        anchor="restructuring",
        form=ReasonForm(request.POST, prefix="restructuring"),
    )


@require_POST
def restructuring_withdraw(request, pk: int, proposal_pk: int):
    return _proposal_step(
        request,
        pk,
        proposal_pk,
        RestructuringProposal,
        lambda proposal, data: services.loan_change_withdraw(actor=request.user, proposal=proposal),
        success=_("Restructuring proposal withdrawn."),
        anchor="restructuring",
    )


@require_POST
def reversal_approve(request, pk: int, proposal_pk: int):
    return _proposal_step(
        request,
        pk,
        proposal_pk,
        RepaymentReversalProposal,
        lambda proposal, data: services.repayment_reversal_approve(
            actor=request.user, proposal=proposal
        ),
        success=_("Payment reversed."),
        anchor="repayments",
    )


@require_POST
def reversal_reject(request, pk: int, proposal_pk: int):
    return _proposal_step(
        request,
        pk,
        proposal_pk,
        RepaymentReversalProposal,
        lambda proposal, data: services.loan_change_reject(
            actor=request.user, proposal=proposal, reason=data["reason"]
        ),
        success=_("Reversal rejected: the payment stands."),
        anchor="repayments",
        form=ReasonForm(request.POST, prefix="reversal"),
    )


@require_POST
def reversal_withdraw(request, pk: int, proposal_pk: int):
    return _proposal_step(
        request,
        pk,
        proposal_pk,
        RepaymentReversalProposal,
        lambda proposal, data: services.loan_change_withdraw(actor=request.user, proposal=proposal),
        success=_("Reversal proposal withdrawn."),
        anchor="repayments",
    )


@require_POST
def collateral_revalue(request, pk: int, collateral_pk: int):
    loan = selectors.loan_get_for(request.user, pk)
    collateral = get_object_or_404(Collateral, pk=collateral_pk, application=loan.application)
    return _loan_action(
        request,
        pk,
        RevalueForm,
        lambda loan, data: services.collateral_revalue(
            actor=request.user,
            collateral=collateral,
            value=data["value"],
            valued_on=data["valued_on"],
        ),
        _("Collateral revalued."),
    )


def portfolio_import(request):
    """Upload of core banking exports (loans, then repayments) by managers and admins."""
    if not policies.may_import_portfolio(request.user):
        raise PermissionDenied
    form = PortfolioImportForm(request.POST or None, request.FILES or None)
    reports = []
    http_status = 200
    if request.method == "POST":
        if form.is_valid():
            # Both files are read before either is imported: an unreadable repayments file
            # refuses the upload whole, loans included.
            readable = []
            for label, field, read, run in (
                (_("Loans"), "loans", importer.read_loans, importer.import_loans),
                (
                    _("Repayments"),
                    "repayments",
                    importer.read_repayments,
                    importer.import_repayments,
                ),
            ):
                upload = form.cleaned_data.get(field)
                if not upload:
                    continue
                try:
                    readable.append((label, read(upload.read(), upload.name), run))
                except importer.tabular.ImportFileError as error:
                    form.add_error(field, str(error))
                    http_status = 400
            if http_status == 200:
                reports = [
                    (label, run(actor=request.user, rows=rows, strict=form.cleaned_data["strict"]))
                    for label, rows, run in readable
                ]
        else:
            http_status = 400
    return render(
        request,
        "lending/portfolio_import.html",
        {
            "form": form,
            "reports": reports,
            "loan_columns": importer.LOAN_COLUMNS,
            "repayment_columns": importer.REPAYMENT_COLUMNS,
        },
        status=http_status,
    )
