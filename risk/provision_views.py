"""The provisions page (managers: their branch; head office: the bank), its drill-down to
loans, and the risk officer's month-end run."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.business_date import business_date
from core.date_ranges import PROVISION_MONTH, DateRanges
from core.forms import apply_service_errors
from lending.models import LoanClass
from risk import policies, provision_selectors, provision_services
from risk.provision_models import ProvisionSetting, Stage

PAGE_SIZE = 50


class MonthEndRunForm(DateRanges, forms.Form):
    date_ranges = {"month": PROVISION_MONTH}
    month = forms.DateField(
        label=gettext_lazy("Month"),
        # A browser without a month picker sends what was typed: a day stands for its month.
        input_formats=["%Y-%m", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )


class DrillDownForm(forms.Form):
    # Labelled: the page names a bad filter by its label.
    stage = forms.TypedChoiceField(
        label=gettext_lazy("Stage"),
        choices=Stage.choices,
        coerce=int,
        required=False,
        empty_value=None,
    )
    loan_class = forms.TypedChoiceField(
        label=gettext_lazy("Five-tier class"),
        choices=LoanClass.choices,
        coerce=int,
        required=False,
        empty_value=None,
    )
    product = forms.IntegerField(label=gettext_lazy("Product"), min_value=1, required=False)
    branch = forms.IntegerField(label=gettext_lazy("Branch"), min_value=1, required=False)


def _refuse_unless_reader(user) -> None:
    if not policies.may_see_provisions(user):
        raise PermissionDenied


def _page(request, *, run_form=None, status=200):
    user = request.user
    on = business_date()
    context = provision_selectors.provision_totals(user)
    named = {"stage": Stage, "class": LoanClass}
    parameter = {"stage": "stage", "class": "loan_class", "product": "product", "branch": "branch"}
    for dimension, rows in context["by"].items():
        for row in rows:
            if dimension in named:
                row["label"] = named[dimension](row["key"]).label
            row["query"] = f"{parameter[dimension]}={row['key']}"
    for row in context["facilities"]["by_stage"]:
        row["label"] = Stage(row["stage"]).label
    context.update(
        {
            "setting": ProvisionSetting.in_force(on),
            "dimension_names": {
                "stage": _("By stage"),
                "class": _("By class"),
                "product": _("By product"),
                "branch": _("By branch"),
            },
            # The frozen runs are the bank's: head office reads them.
            "runs": provision_selectors.runs() if user.sees_all_branches else [],
            "can_run": policies.may_run_month_end_provisions(user),
            "run_form": run_form
            or MonthEndRunForm(initial={"month": provision_services.last_closed_month(on)}),
        }
    )
    return render(request, "risk/provisions.html", context, status=status)


def provisions(request):
    _refuse_unless_reader(request.user)
    return _page(request)


def provision_loans(request):
    """The loans behind a figure of the page, in the user's scope."""
    _refuse_unless_reader(request.user)
    form = DrillDownForm(request.GET)
    if not form.is_valid():
        return render(request, "risk/provision_loans.html", {"form": form}, status=400)
    filters = {
        "stage": form.cleaned_data["stage"],
        "class": form.cleaned_data["loan_class"],
        "product": form.cleaned_data["product"],
        "branch": form.cleaned_data["branch"],
    }
    rows = (
        provision_selectors.provision_filter(
            provision_selectors.provisions_for(request.user), filters
        )
        .select_related("loan", "customer")
        .order_by("-ecl", "loan_id")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "risk/provision_loans.html", {"form": form, "page": page})


@require_POST
def provision_run(request):
    if not policies.may_run_month_end_provisions(request.user):
        raise PermissionDenied
    form = MonthEndRunForm(request.POST)
    if form.is_valid():
        try:
            run = provision_services.provision_run_create(
                month=form.cleaned_data["month"], on=business_date(), actor=request.user
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The provisions of %(month)s are frozen.") % {"month": run})
            return redirect("risk:provisions")
    return _page(request, run_form=form, status=400)
