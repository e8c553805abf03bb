"""Documents' pages: an owner's documents (the panel's own page, and the page a collateral or
a bureau consent has for them), upload, download and delete. Every request goes through the
owner's own scoped getter first (customers.document_owners): an outsider gets a 404 whether
the document exists or not."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from core.business_date import business_date
from core.date_ranges import DOCUMENT_EXPIRY, DateRanges
from core.forms import apply_service_errors
from customers import document_content, documents
from customers.document_models import DocumentOwner, DocumentType
from customers.document_owners import owner_get_for, register_owner
from customers.policies import may_manage_documents


class DocumentUploadForm(DateRanges, forms.Form):
    date_ranges = {"expires_on": DOCUMENT_EXPIRY}

    document_type = forms.ModelChoiceField(
        label=_("Document type"), queryset=DocumentType.objects.filter(is_active=True)
    )
    # Empty files pass the form: the service refuses them with its own message.
    file = forms.FileField(
        label=_("File"),
        allow_empty_file=True,
        help_text=_("PDF, PNG, JPEG, XLSX or DOCX."),
        widget=forms.ClearableFileInput(
            attrs={"accept": ",".join(f".{ext}" for ext in document_content.ACCEPTED_EXTENSIONS)}
        ),
    )
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("For ID cards, licences, insurance: an alert is raised before this date."),
    )
    next = forms.CharField(widget=forms.HiddenInput, required=False)


def panel_context(user, kind: str, owner, *, next_url: str, form=None) -> dict:
    """What the documents panel shows for `owner` (one query for the documents, one for the
    types of the upload form when the user may upload)."""
    can_manage = may_manage_documents(user)
    return {
        "kind": kind,
        "owner": owner,
        "documents": documents.documents_of(kind, owner.pk),
        "can_manage": can_manage,
        "form": form or (DocumentUploadForm(initial={"next": next_url}) if can_manage else None),
        "next": next_url,
        "business_date": business_date(),
    }


def _owner_page(request, kind: str, owner_pk: int, *, form=None, status: int = 200):
    owner_kind, owner = owner_get_for(request.user, kind, owner_pk)
    here = reverse("documents:owner", args=[kind, owner_pk])
    return render(
        request,
        "customers/documents_page.html",
        {
            "panel": panel_context(request.user, kind, owner, next_url=here, form=form),
            "owner": owner,
            "owner_url": owner_kind.url_of(owner),
            "customer": owner_kind.customer_of(owner),
            "kind_label": DocumentOwner(kind).label,
        },
        status=status,
    )


def _back(request, fallback: str) -> str:
    target = request.POST.get("next") or ""
    # A path of this site only: redirect() would take any other word for a view's name.
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return target
    return fallback


@require_GET
def owner_documents(request, kind: str, owner_pk: int):
    return _owner_page(request, kind, owner_pk)


@require_POST
def document_upload(request, kind: str, owner_pk: int):
    _owner_kind, owner = owner_get_for(request.user, kind, owner_pk)
    if not may_manage_documents(request.user):
        raise PermissionDenied
    form = DocumentUploadForm(request.POST, request.FILES)
    # The name as the browser sent it (core.upload_names): Django keeps only its last part.
    sent_names = getattr(request, "raw_upload_names", [])
    sent_name = sent_names[-1] if sent_names else None
    if form.is_valid():
        try:
            documents.document_upload(
                actor=request.user,
                owner_kind=kind,
                owner=owner,
                document_type=form.cleaned_data["document_type"],
                upload=form.cleaned_data["file"],
                expires_on=form.cleaned_data["expires_on"],
                sent_name=sent_name,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Document uploaded."))
            return redirect(_back(request, reverse("documents:owner", args=[kind, owner_pk])))
    elif sent_name is not None and "file" in form.errors:
        # A name Django dropped altogether ("..", "folder/"): say why, not "required".
        problem = document_content.name_problem(sent_name)
        if problem:
            form.errors["file"] = form.error_class([documents.refusal_message(problem)])
    return _owner_page(request, kind, owner_pk, form=form, status=400)


@require_GET
def document_download(request, pk: int):
    document, _owner = documents.document_get_for(request.user, pk)
    try:
        handle = documents.documents_storage().open(document.storage_key, "rb")
    except FileNotFoundError:
        raise Http404 from None
    documents.document_download_record(actor=request.user, document=document)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=document.original_name,
        content_type=document.media_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def document_delete(request, pk: int):
    document, _owner = documents.document_get_for(request.user, pk)
    if not may_manage_documents(request.user):
        raise PermissionDenied
    documents.document_delete(actor=request.user, document=document)
    messages.success(request, _("Document deleted."))
    return redirect(
        _back(request, reverse("documents:owner", args=[document.owner_kind, document.owner_id]))
    )


def customer_documents_panel(customer, user) -> tuple[str, dict]:
    """The documents section of the customer 360 page (customers.panels)."""
    return "customers/documents_panel.html", panel_context(
        user,
        DocumentOwner.CUSTOMER,
        customer,
        next_url=reverse("customers:detail", args=[customer.pk]),
    )


def register_customer_documents() -> None:
    from customers import panels
    from customers.selectors import customer_get_for

    register_owner(
        DocumentOwner.CUSTOMER,
        get_for=customer_get_for,
        customer_of=lambda customer: customer,
        url_of=lambda customer: reverse("customers:detail", args=[customer.pk]),
    )
    panels.register(customer_documents_panel)
