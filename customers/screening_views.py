"""Pages of watch-list screening: the compliance queue, a hit, the list import.

The queue and the hit pages are compliance's (bank-wide), the managers' (their branch's
customers, whose clearings they may approve) and the admins' (read-only); anyone else gets
403, as for the other role pages. A hit out of the user's scope is a 404.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.forms import apply_service_errors
from customers import policies, screening
from customers.screening_forms import (
    HitClearingForm,
    HitConfirmForm,
    HitDecisionForm,
    HitFilterForm,
    WatchListImportForm,
)
from customers.screening_models import BLOCKING_HIT_STATUSES, WatchList

QUEUE_ROWS = 200


def screening_queue(request):
    hits = screening.hits_for(request.user)
    form = HitFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    hits = hits.filter(status=status) if status else hits.filter(status__in=BLOCKING_HIT_STATUSES)
    return render(
        request,
        "customers/screening_queue.html",
        {
            "form": form,
            "hits": list(hits[:QUEUE_ROWS]),
            "row_limit": QUEUE_ROWS,
            "watch_lists": WatchList.objects.all(),
            "can_import": policies.may_import_watch_lists(request.user),
        },
        status=200 if form.is_valid() or not form.is_bound else 400,
    )


def _render_hit(request, hit, *, forms=None, status=200):
    user = request.user
    context = {
        "hit": hit,
        "entry": hit.entry,
        "can_confirm": policies.may_confirm_hit(user, hit),
        "can_propose": policies.may_propose_hit_clearing(user, hit),
        "can_decide": policies.may_decide_hit_clearing(user, hit),
        "confirm_form": HitConfirmForm(),
        "clearing_form": HitClearingForm(),
        "decision_form": HitDecisionForm(),
        **(forms or {}),
        # A step refused for the hit's state: said on top, whether or not its form still shows.
        "refusals": [error for form in (forms or {}).values() for error in form.non_field_errors()],
    }
    return render(request, "customers/screening_hit.html", context, status=status)


def hit_detail(request, pk: int):
    return _render_hit(request, screening.hit_get_for(request.user, pk))


@require_POST
def hit_confirm(request, pk: int):
    hit = screening.hit_get_for(request.user, pk)
    form = HitConfirmForm(request.POST)
    if not form.is_valid():
        return _render_hit(request, hit, forms={"confirm_form": form}, status=400)
    try:
        screening.hit_confirm(actor=request.user, hit=hit, note=form.cleaned_data["note"])
    except ValidationError as error:
        apply_service_errors(form, error)
        return _render_hit(request, hit, forms={"confirm_form": form}, status=400)
    messages.success(request, _("Hit confirmed: the customer is the listed party."))
    return redirect("customers:screening-hit", pk=hit.pk)


@require_POST
def hit_clearing_propose(request, pk: int):
    hit = screening.hit_get_for(request.user, pk)
    form = HitClearingForm(request.POST)
    if form.is_valid():
        try:
            screening.hit_clearing_propose(
                actor=request.user, hit=hit, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request, _("Clearing proposed; another compliance officer or a manager decides.")
            )
            return redirect("customers:screening-hit", pk=hit.pk)
    return _render_hit(request, hit, forms={"clearing_form": form}, status=400)


@require_POST
def hit_clearing_decide(request, pk: int):
    hit = screening.hit_get_for(request.user, pk)
    form = HitDecisionForm(request.POST)
    if not form.is_valid():
        return _render_hit(request, hit, forms={"decision_form": form}, status=400)
    approve = form.cleaned_data["decision"] == "approve"
    try:
        screening.hit_clearing_decide(actor=request.user, hit=hit, approve=approve)
    except ValidationError as error:
        apply_service_errors(form, error)
        return _render_hit(request, hit, forms={"decision_form": form}, status=400)
    messages.success(
        request,
        _("Hit cleared as a false positive.")
        if approve
        else _("Clearing rejected; the hit is open."),
    )
    return redirect("customers:screening-hit", pk=hit.pk)


def watch_list_import(request):
    if not policies.may_import_watch_lists(request.user):
        raise PermissionDenied
    form = WatchListImportForm(request.POST or None, request.FILES or None)
    result = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                if upload.size > screening.tabular.MAX_BYTES:
                    raise screening.ImportFileError(_("The file is larger than 20 MB."))
                listed = screening.read_list(upload.read(), upload.name)
                result = screening.watch_list_import(actor=request.user, listed=listed)
            except screening.ImportFileError as error:
                form.add_error("file", str(error))
            except ValidationError as error:
                form.add_error("file", error)
            else:
                status = 200
    return render(
        request,
        "customers/screening_import.html",
        {"form": form, "result": result, "columns": screening.COLUMNS},
        status=status,
    )
