from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.views import SCOPE_DESCRIPTIONS
from audit.services import export_record
from core.forms import apply_service_errors, refusal_status
from core.links import pk_url
from core.replica import reads_from_replica
from customers import exports, importer, panels, policies, screening, selectors, services
from customers.forms import (
    ComplaintForm,
    ComplaintUpdateForm,
    ContactForm,
    CustomerFilterForm,
    CustomerForm,
    FollowUpDoneForm,
    FollowUpForm,
    ImportForm,
    InteractionForm,
    NeedsForm,
    RevealForm,
    SavedFilterForm,
    SurveyForm,
    TransferForm,
)
from customers.models import (
    AttemptChannel,
    Channel,
    Complaint,
    ContactPerson,
    Customer,
    CustomerKind,
    FollowUp,
    RiskLevel,
    SavedFilter,
)
from customers.segments import AGE_BANDS, INCOME_BANDS, REVENUE_BANDS, band_of

FILTER_FIELDS = [
    "q",
    "branch",
    "kind",
    "officer",
    "risk_level",
    "grade",
    "industry",
    "size",
    "age_band",
    "income_band",
    "revenue_band",
    "tag",
    "sort",
]


def _require_edit(user) -> None:
    if not policies.may_edit_customers(user):
        raise PermissionDenied


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


# --- List, search, export ------------------------------------------------------------------------


def _filtered_customers(request):
    form = CustomerFilterForm(request.GET or None, user=request.user)
    queryset = selectors.customer_list_for(request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    queryset = selectors.customer_search(queryset, filters.get("q", ""))
    queryset = selectors.customer_filter(queryset, filters)
    return form, queryset, filters


def customer_list(request):
    form, queryset, filters = _filtered_customers(request)
    page = filters.get("page") or 1
    customers, has_next = selectors.customer_page(
        queryset, sort=filters.get("sort") or selectors.DEFAULT_SORT, page=page
    )
    query = {key: value for key, value in request.GET.items() if key in FILTER_FIELDS and value}
    context = {
        "form": form,
        "customers": customers,
        "rows": _list_rows(customers),
        "page": page,
        "has_next": has_next,
        "query": urlencode(query),
        "filtered": bool(query),
        "saved_filters": SavedFilter.objects.filter(owner=request.user),
        "can_edit": policies.may_edit_customers(request.user),
    }
    template = (
        "customers/customer_results.html" if _is_htmx(request) else ("customers/customer_list.html")
    )
    return render(request, template, context)


def _list_rows(customers: list[Customer]) -> list[dict]:
    """What each row of the list shows. Built here, not per row in the template: the link
    comes from one reverse, the type and risk labels are translated once per page (Django's
    get_FOO_display rebuilds the choices per call), and no include runs per row."""
    detail_url = pk_url("customers:detail")
    kinds = {value: str(label) for value, label in CustomerKind.choices}
    risk_levels = {value: str(label) for value, label in RiskLevel.choices}
    return [
        {
            "url": detail_url(customer.pk),
            "name": customer.name,
            "kind": kinds.get(customer.kind, customer.kind),
            "identifier": customer.masked_identifier,
            "phone": customer.masked_phone,
            "officer": customer.officer,
            "branch": customer.branch,
            "risk_level": customer.risk_level,
            "risk_label": risk_levels.get(customer.risk_level, customer.risk_level),
            "grade": customer.grade,
            "segment": customer.segment_label,
        }
        for customer in customers
    ]


@reads_from_replica
def customer_export(request, fmt: str):
    if fmt not in exports.FORMATS:
        raise Http404
    form, queryset, filters = _filtered_customers(request)
    if form.is_bound and not form.is_valid():
        return render(
            request,
            "customers/customer_list.html",
            {"form": form, "customers": [], "query": "", "filtered": True},
            status=400,
        )
    ordered = queryset.order_by(
        *selectors.SORTS.get(filters.get("sort") or "", selectors.SORTS[selectors.DEFAULT_SORT])
    )
    export_record(
        actor=request.user, what="customers.customer", fmt=fmt, query=request.GET.urlencode()
    )
    return exports.export(fmt, ordered)


def customer_import(request):
    _require_edit(request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                if upload.size > importer.MAX_BYTES:
                    raise importer.ImportFileError(_("The file is larger than 20 MB."))
                rows = importer.read_rows(upload.read(), upload.name)
            except importer.ImportFileError as error:
                form.add_error("file", str(error))
                status = 400
            else:
                report = importer.import_customers(
                    actor=request.user, rows=rows, strict=form.cleaned_data["strict"]
                )
        else:
            status = 400
    return render(
        request,
        "customers/customer_import.html",
        {"form": form, "report": report, "columns": importer.COLUMNS},
        status=status,
    )


@require_POST
def saved_filter_save(request):
    form = SavedFilterForm(request.POST)
    if form.is_valid():
        services.saved_filter_save(
            actor=request.user, name=form.cleaned_data["name"], query=form.cleaned_data["query"]
        )
        messages.success(request, _("Filter saved."))
    else:
        messages.error(request, _("Give the filter a name of at most 80 characters."))
    return redirect(f"{reverse('customers:list')}?{form.data.get('query', '')}")


@require_POST
def saved_filter_delete(request, pk: int):
    if not services.saved_filter_delete(actor=request.user, saved_filter_id=pk):
        raise Http404
    messages.success(request, _("Filter deleted."))
    return redirect("customers:list")


# --- Customer 360, create, edit, transfer, reveal ------------------------------------------------


def customer_detail(request, pk: int):
    customer = selectors.customer_360_get_for(request.user, pk)
    services.customer_record_view(actor=request.user, customer=customer)
    context = selectors.customer_360(customer)
    today = timezone.localdate()
    context.update(
        {
            "customer": customer,
            "today": today,
            "now": timezone.now(),
            "age": customer.age_on(today),
            "age_band": band_of(AGE_BANDS, customer.age_on(today)),
            "income_band": band_of(INCOME_BANDS, customer.monthly_income),
            "revenue_band": band_of(REVENUE_BANDS, customer.annual_revenue),
            "can_edit": policies.may_edit_customers(request.user),
            "can_transfer": policies.may_transfer_customer(request.user),
            "can_reveal": policies.may_reveal_identifiers(request.user),
            "reveal_form": RevealForm(),
            "quick_interaction_form": InteractionForm(
                customer=customer,
                user=request.user,
                open_follow_ups=context["open_follow_ups"],
            ),
            "panels": panels.render_context(customer, request.user),
            "screening_status": screening.customer_screening_status(customer),
            "can_see_screening": policies.may_see_screening(request.user),
        }
    )
    return render(request, "customers/customer_detail.html", context)


# Error reports never carry the identifiers typed into these forms.
@sensitive_post_parameters("resident_id", "phone")
def customer_create(request):
    _require_edit(request.user)
    kind = request.GET.get("kind") or request.POST.get("kind") or CustomerKind.INDIVIDUAL
    if kind not in CustomerKind.values:
        raise Http404
    form = CustomerForm(request.POST or None, kind=kind, user=request.user, creating=True)
    # A POST that is not saved comes back with the reasons next to the fields: 400.
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        customer = form.save(commit=False)
        try:
            customer = services.customer_create(
                actor=request.user,
                customer=customer,
                tags=form.cleaned_data.get("tags") or [],
            )
        except services.DuplicateIdentifier as refusal:
            # The same answer whoever holds the identifier; the attempt is kept and routed
            # to the holder's people once the refused creation is undone (customers.services).
            services.duplicate_attempts_record(
                actor=request.user, refusals=[refusal], channel=AttemptChannel.CREATE
            )
            apply_service_errors(form, refusal)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Customer %(name)s created.") % {"name": customer.name})
            return redirect("customers:detail", pk=customer.pk)
    return render(
        request,
        "customers/customer_form.html",
        {"form": form, "kind": kind, "creating": True, "kinds": CustomerKind.choices},
        status=status,
    )


@sensitive_post_parameters("resident_id", "phone")
def customer_edit(request, pk: int):
    customer = selectors.customer_get_for(request.user, pk)
    _require_edit(request.user)
    form = CustomerForm(
        request.POST or None,
        instance=customer,
        kind=customer.kind,
        user=request.user,
        creating=False,
    )
    # A POST that is not saved comes back with the reasons next to the fields: 400.
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        changes = {
            name: form.cleaned_data[name]
            for name in form.changed_data
            if name not in ("tags", "version")
        }
        try:
            services.customer_update(
                actor=request.user,
                customer=customer,
                changes=changes,
                expected_version=form.cleaned_data["version"],
                tags=form.cleaned_data["tags"] if "tags" in form.changed_data else None,
            )
        except services.EditConflict as conflict:
            # Someone saved this customer since the form was opened: their change stands,
            # the user's input stays on the page with the reason, for them to review.
            apply_service_errors(form, conflict)
            form.renew_version(Customer.objects.values_list("updated_at", flat=True).get(pk=pk))
            status = 409
        except services.DuplicateIdentifier as refusal:
            # Another customer's identifier: the same answer as on the new customer form,
            # and the attempt kept now that the edit's transaction is undone.
            services.duplicate_attempts_record(
                actor=request.user, refusals=[refusal], channel=AttemptChannel.EDIT
            )
            apply_service_errors(form, refusal)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("customers:detail", pk=customer.pk)
    return render(
        request,
        "customers/customer_form.html",
        {"form": form, "kind": customer.kind, "customer": customer, "creating": False},
        status=status,
    )


def customer_transfer(request, pk: int):
    customer = selectors.customer_get_for(request.user, pk)
    if not policies.may_transfer_customer(request.user):
        raise PermissionDenied
    form = TransferForm(request.POST or None, user=request.user, customer=customer)
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_transfer(
                actor=request.user,
                customer=customer,
                to_officer=form.cleaned_data["to_officer"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request, _("%(name)s now has a new relationship manager.") % {"name": customer.name}
            )
            return redirect("customers:detail", pk=customer.pk)
    return render(
        request,
        "customers/customer_transfer.html",
        {"form": form, "customer": customer},
        status=refusal_status(request),
    )


@require_POST
def customer_reveal(request, pk: int):
    customer = selectors.customer_get_for(request.user, pk)
    if not policies.may_reveal_identifiers(request.user):
        raise PermissionDenied
    form = RevealForm(request.POST)
    revealed = None
    if form.is_valid():
        revealed = services.customer_reveal_identifier(
            actor=request.user, customer=customer, reason=form.cleaned_data["reason"]
        )
    return render(
        request,
        "customers/customer_identifiers.html",
        {
            "customer": customer,
            "revealed": revealed,
            "reveal_form": form,
            "can_reveal": True,
            "standalone": not _is_htmx(request),
        },
        status=200 if revealed else 400,
    )


# --- Things that hang off a customer -----------------------------------------------------------


def _child_form_view(
    request, pk: int, *, form_class, save, title: str, done: str, anchor: str, instance=None
):
    """Shared flow for adding (or editing) a contact, needs, interaction, follow-up,
    complaint or survey: scope check (404), role check (403), form, service, redirect. An
    edit refused because the record changed since the form opened answers 409 with the
    user's input kept and the form on the current version."""
    customer = selectors.customer_get_for(request.user, pk)
    _require_edit(request.user)
    form = form_class(request.POST or None, customer=customer, user=request.user, instance=instance)
    # A POST that is not saved comes back with the reasons next to the fields: 400.
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        try:
            save(form)
        except services.EditConflict as conflict:
            apply_service_errors(form, conflict)
            current = type(instance).objects.values_list("updated_at", flat=True)
            form.renew_version(current.get(pk=instance.pk))
            status = 409
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, done)
            return redirect(f"{reverse('customers:detail', args=[customer.pk])}#{anchor}")
    return render(
        request,
        "customers/customer_child_form.html",
        {"form": form, "customer": customer, "title": title},
        status=status,
    )


def contact_add(request, pk: int):
    return _child_form_view(
        request,
        pk,
        form_class=ContactForm,
        title=_("Add a contact person"),
        done=_("Contact saved."),
        anchor="contacts",
        save=lambda form: services.contact_save(actor=request.user, contact=form.instance),
    )


def contact_edit(request, pk: int, contact_pk: int):
    contact = get_object_or_404(ContactPerson, pk=contact_pk, customer_id=pk)
    return _child_form_view(
        request,
        pk,
        form_class=ContactForm,
        title=_("Edit contact person"),
        done=_("Contact saved."),
        anchor="contacts",
        instance=contact,
        save=lambda form: services.contact_save(
            actor=request.user,
            contact=form.instance,
            expected_version=form.cleaned_data.get("version"),
        ),
    )


def needs_add(request, pk: int):
    return _child_form_view(
        request,
        pk,
        form_class=NeedsForm,
        title=_("Record the customer's needs"),
        done=_("Needs recorded."),
        anchor="needs",
        save=lambda form: services.needs_record(actor=request.user, needs=form.instance),
    )


def follow_up_add(request, pk: int):
    return _child_form_view(
        request,
        pk,
        form_class=FollowUpForm,
        title=_("Plan a follow-up or visit"),
        done=_("Follow-up planned."),
        anchor="follow-ups",
        save=lambda form: services.follow_up_plan(actor=request.user, follow_up=form.instance),
    )


def complaint_add(request, pk: int):
    return _child_form_view(
        request,
        pk,
        form_class=ComplaintForm,
        title=_("Record a complaint or feedback"),
        done=_("Complaint recorded."),
        anchor="complaints",
        save=lambda form: services.complaint_record(actor=request.user, complaint=form.instance),
    )


def survey_add(request, pk: int):
    return _child_form_view(
        request,
        pk,
        form_class=SurveyForm,
        title=_("Record a satisfaction survey"),
        done=_("Survey recorded."),
        anchor="satisfaction",
        save=lambda form: services.survey_record(actor=request.user, survey=form.instance),
    )


def interaction_add(request, pk: int):
    """The full form, and the quick-add of the 360 page. With htmx only what the interaction
    changed comes back: the interactions section, and the upcoming follow-ups when it
    completed one or planned its next step; a refused one brings back only the quick form,
    with its errors (422, which the layout's htmx config swaps in)."""
    customer = selectors.customer_get_for(request.user, pk)
    _require_edit(request.user)
    form = InteractionForm(request.POST or None, customer=customer, user=request.user)
    if request.method == "POST" and form.is_valid():
        completes = form.cleaned_data.get("completes_follow_up")
        next_step_due = form.cleaned_data.get("next_step_due")
        try:
            services.interaction_log(
                actor=request.user,
                interaction=form.instance,
                completes=completes,
                next_step_due=next_step_due,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            if _is_htmx(request):
                return _interaction_logged(
                    request,
                    customer,
                    follow_ups_changed=completes is not None or next_step_due is not None,
                )
            messages.success(request, _("Interaction logged."))
            return redirect(f"{reverse('customers:detail', args=[customer.pk])}#timeline")
    if request.method == "POST" and _is_htmx(request):
        response = render(
            request,
            "customers/interaction_quick_form.html",
            {"customer": customer, "quick_interaction_form": form},
            status=422,
        )
        # The form alone replaces the quick form: the timeline has not changed.
        response["HX-Retarget"] = "#quick-interaction"
        response["HX-Reswap"] = "outerHTML"
        return response
    return render(
        request,
        "customers/customer_child_form.html",
        {"form": form, "customer": customer, "title": _("Log an interaction")},
        status=refusal_status(request),
    )


def _interaction_logged(request, customer: Customer, *, follow_ups_changed: bool) -> HttpResponse:
    """The 360's interactions section after a quick-add, and its upcoming follow-ups (out of
    band) when they changed: not the whole 360."""
    open_follow_ups = selectors.customer_open_follow_ups(customer)
    context = {
        **selectors.customer_timeline(customer),
        "customer": customer,
        "today": timezone.localdate(),
        "can_edit": True,
        "logged": True,
        "follow_ups_changed": follow_ups_changed,
        "open_follow_ups": open_follow_ups,
        "channels": Channel.choices,
        # A fresh quick form, offering the follow-ups still open (no query of its own).
        "quick_interaction_form": InteractionForm(
            customer=customer, user=request.user, open_follow_ups=open_follow_ups
        ),
    }
    return render(request, "customers/interaction_logged.html", context)


def _follow_up_action(request, pk: int, follow_up_pk: int, action) -> HttpResponse:
    customer = selectors.customer_get_for(request.user, pk)
    follow_up = get_object_or_404(FollowUp, pk=follow_up_pk, customer=customer)
    if not action(actor=request.user, follow_up=follow_up):
        messages.info(request, _("That follow-up was already closed."))
    next_url = request.POST.get("next", "")
    if next_url == "today":
        return redirect("today")
    return redirect(f"{reverse('customers:detail', args=[customer.pk])}#follow-ups")


def _after_follow_up(request, customer) -> HttpResponse:
    if request.POST.get("next", "") == "today":
        return redirect("today")
    return redirect(f"{reverse('customers:detail', args=[customer.pk])}#follow-ups")


def follow_up_complete(request, pk: int, follow_up_pk: int):
    """The "Done" button asks what came of it (the rows' inline form, or this page): the outcome is
    logged as an interaction that closes the follow-up. Refused input answers 400 with the
    reason by the field."""
    customer = selectors.customer_get_for(request.user, pk)
    follow_up = get_object_or_404(FollowUp, pk=follow_up_pk, customer=customer)
    _require_edit(request.user)
    form = FollowUpDoneForm(request.POST or None, follow_up=follow_up)
    status = 200
    if request.method == "POST":
        status = 400  # unless done below: the form comes back with the reason
        if form.is_valid():
            try:
                services.follow_up_done(
                    actor=request.user,
                    follow_up=follow_up,
                    outcome=form.cleaned_data["outcome"],
                    channel=form.cleaned_data["channel"],
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("Follow-up done; the outcome is on the timeline."))
                return _after_follow_up(request, customer)
    return render(
        request,
        "customers/follow_up_done.html",
        {
            "form": form,
            "customer": customer,
            "follow_up": follow_up,
            "next": request.POST.get("next") or request.GET.get("next", ""),
        },
        status=status,
    )


@require_POST
def follow_up_undo(request, pk: int, follow_up_pk: int):
    customer = selectors.customer_get_for(request.user, pk)
    follow_up = get_object_or_404(FollowUp, pk=follow_up_pk, customer=customer)
    try:
        services.follow_up_reopen(actor=request.user, follow_up=follow_up)
    except ValidationError as error:
        # Too late, or someone else's: the Today page says why (the undo lists are there),
        # and nothing changed.
        messages.error(request, " ".join(error.messages))
        response = today(request)
        response.status_code = 400
        return response
    messages.success(request, _("Follow-up open again; its interaction was removed."))
    return _after_follow_up(request, customer)


@require_POST
def follow_up_cancel(request, pk: int, follow_up_pk: int):
    return _follow_up_action(request, pk, follow_up_pk, services.follow_up_cancel)


def complaint_update(request, pk: int, complaint_pk: int):
    customer = selectors.customer_get_for(request.user, pk)
    complaint = get_object_or_404(Complaint, pk=complaint_pk, customer=customer)
    _require_edit(request.user)
    form = ComplaintUpdateForm(request.POST or None, initial={"status": complaint.status})
    status = 200
    if request.method == "POST":
        status = 400  # unless saved below: the form comes back with the reason
        if form.is_valid():
            try:
                services.complaint_update(
                    actor=request.user,
                    complaint=complaint,
                    status=form.cleaned_data["status"],
                    resolution=form.cleaned_data["resolution"],
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("Complaint updated."))
                return redirect(f"{reverse('customers:detail', args=[customer.pk])}#complaints")
    return render(
        request,
        "customers/complaint_update.html",
        {"form": form, "customer": customer, "complaint": complaint, "now": timezone.now()},
        status=status,
    )


# --- Today ---------------------------------------------------------------------------------------


def today(request):
    context = selectors.today_for(request.user)
    context["can_edit"] = policies.may_edit_customers(request.user)
    context["scope_description"] = SCOPE_DESCRIPTIONS[Role(request.user.role)]
    context["panels"] = panels.render_today(request.user)
    # Undo is offered exactly where the service would accept it.
    context["done_today"] = [
        follow_up
        for follow_up in context["done_today"]
        if policies.may_undo_follow_up(
            request.user, follow_up, follow_up.completed_by, context["today"]
        )
    ]
    return render(request, "customers/today.html", context)
