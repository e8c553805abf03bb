"""Documents: upload, download and delete (the services), and the reads the pages share.

A file is checked before anything is stored (customers.document_content: its content, not
its name, says what it is), then written to the "documents" storage and its row created in
one transaction; when the row or its audit row cannot be written, the file is deleted again,
so there is never a file without its row nor a row without its file. Every upload, download
and deletion is on the audit trail.
"""

from __future__ import annotations

import hashlib
import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import storages
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from audit.services import audit_log, snapshot
from customers import document_content
from customers.document_models import Document, DocumentType
from customers.document_owners import OWNERS, owner_get_for
from customers.policies import may_manage_documents

STORAGE_ALIAS = "documents"
AUDITED_FIELDS = [
    "customer_id",
    "owner_kind",
    "owner_id",
    "document_type_id",
    "original_name",
    "media_type",
    "size",
    "sha256",
    "expires_on",
]


def documents_storage():
    """The storage the files live in (settings.STORAGES["documents"])."""
    return storages[STORAGE_ALIAS]


def refusal_message(problem: str) -> str:
    megabytes = settings.DOCUMENTS_MAX_BYTES / (1024 * 1024)
    return {
        document_content.EMPTY: _("The file is empty."),
        document_content.TOO_LARGE: _("The file is larger than %(size)s MB.")
        % {"size": f"{megabytes:g}"},
        document_content.PATH_IN_NAME: _(
            "The file name must be a plain name, without folders or “..”."
        ),
        document_content.BAD_NAME: _("The file name is empty, too long or not a plain name."),
        document_content.UNKNOWN_EXTENSION: _("Upload a PDF, PNG, JPEG, XLSX or DOCX file."),
        document_content.CONTENT_MISMATCH: _(
            "The file's content is not what its name says: upload a real PDF, PNG, JPEG, "
            "XLSX or DOCX file."
        ),
    }[problem]


def _digest(upload) -> str:
    sha = hashlib.sha256()
    for chunk in upload.chunks():
        sha.update(chunk)
    upload.seek(0)
    return sha.hexdigest()


def document_upload(
    *,
    actor,
    owner_kind: str,
    owner,
    document_type: DocumentType,
    upload,
    expires_on=None,
    sent_name: str | None = None,
) -> Document:
    """Keeps `upload` as a document of `owner` (which the caller found through the owner's
    own scoped getter). Refused with the reason next to the field: a bad file, an inactive
    type, a type with an expiry and no date. `sent_name` is the file name as the browser
    sent it (core.upload_names), checked for path parts Django would have cut off."""
    if not may_manage_documents(actor):
        raise PermissionDenied
    errors = {}
    problem = document_content.file_problem(
        name=sent_name if sent_name is not None else (upload.name or ""),
        size=upload.size or 0,
        max_bytes=settings.DOCUMENTS_MAX_BYTES,
        stream=upload,
    )
    if problem:
        errors["file"] = refusal_message(problem)
    if not document_type.is_active:
        errors["document_type"] = _("This document type is no longer in use.")
    if document_type.has_expiry and expires_on is None:
        errors["expires_on"] = _("Enter the date this document expires.")
    if errors:
        raise ValidationError(errors)
    kind = document_content.content_kind(upload)
    customer = OWNERS[owner_kind].customer_of(owner)
    sha256 = _digest(upload)
    extension = document_content.extension_of(upload.name)
    storage = documents_storage()
    # A key of our own making: the user's name is kept as the label, never as a path.
    key = storage.save(f"{customer.pk}/{uuid.uuid4().hex}.{extension}", upload)
    try:
        with transaction.atomic():
            document = Document.objects.create(
                customer=customer,
                owner_kind=owner_kind,
                owner_id=owner.pk,
                document_type=document_type,
                storage_key=key,
                original_name=upload.name,
                media_type=document_content.MEDIA_TYPES[kind],
                size=upload.size,
                sha256=sha256,
                expires_on=expires_on,
                uploaded_by=actor,
            )
            audit_log(
                actor=actor,
                action="customers.document.added",
                obj=document,
                after=snapshot(document, AUDITED_FIELDS),
            )
    except BaseException:
        storage.delete(key)
        raise
    return document


@transaction.atomic
def document_download_record(*, actor, document: Document) -> None:
    """Who took which file out (the view streams it once this is written)."""
    audit_log(
        actor=actor,
        action="customers.document.downloaded",
        obj=document,
        after={"owner_kind": document.owner_kind, "owner_id": document.owner_id},
    )


def document_delete(*, actor, document: Document) -> None:
    """Removes the row (audited with what it was) and, once that has committed, the file: a
    rollback leaves both."""
    if not may_manage_documents(actor):
        raise PermissionDenied
    key = document.storage_key
    with transaction.atomic():
        locked = Document.objects.select_for_update().filter(pk=document.pk).first()
        if locked is None:
            return
        audit_log(
            actor=actor,
            action="customers.document.deleted",
            obj=locked,
            before=snapshot(locked, AUDITED_FIELDS),
        )
        locked.delete()
        transaction.on_commit(lambda: documents_storage().delete(key))


def documents_of(owner_kind: str, owner_id) -> list[Document]:
    """An owner's documents, newest first, with their type and uploader (one query)."""
    return list(
        Document.objects.filter(owner_kind=owner_kind, owner_id=owner_id).select_related(
            "document_type", "uploaded_by"
        )
    )


def document_get_for(user, pk) -> tuple[Document, object]:
    """The document and its owner, if `user` sees the owner (its own scoped getter): a 404
    otherwise, the same as for a document that does not exist."""
    document = (
        Document.objects.select_related("document_type").filter(pk=pk).first()
        if str(pk).isdigit()
        else None
    )
    if document is None:
        raise Http404
    _kind, owner = owner_get_for(user, document.owner_kind, document.owner_id)
    return document, owner
