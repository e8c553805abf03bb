"""The drill-down from the provisions page to the undrawn facilities behind a figure: the
facilities with no loan drawn whose undrawn amount carries an ECL of its own, in the user's
scope."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext_lazy

from risk import policies, provision_selectors
from risk.provision_models import Stage

PAGE_SIZE = 50


class FacilityDrillDownForm(forms.Form):
    # Labelled: the page names a bad filter by its label.
    stage = forms.TypedChoiceField(
        label=gettext_lazy("Stage"),
        choices=Stage.choices,
        coerce=int,
        required=False,
        empty_value=None,
    )
    branch = forms.IntegerField(label=gettext_lazy("Branch"), min_value=1, required=False)


def provision_facilities(request):
    if not policies.may_see_provisions(request.user):
        raise PermissionDenied
    form = FacilityDrillDownForm(request.GET)
    if not form.is_valid():
        return render(request, "risk/provision_facilities.html", {"form": form}, status=400)
    rows = provision_selectors.facility_provisions_for(request.user)
    if form.cleaned_data["stage"] is not None:
        rows = rows.filter(stage=form.cleaned_data["stage"])
    if form.cleaned_data["branch"] is not None:
        rows = rows.filter(customer__branch=form.cleaned_data["branch"])
    rows = rows.select_related("facility", "customer").order_by("-ecl", "facility_id")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "risk/provision_facilities.html", {"form": form, "page": page})
