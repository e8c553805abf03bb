"""Where documents' files are kept: settings.STORAGES["documents"], read from the environment.

By default a private folder under the data folder (DOCUMENTS_ROOT, default
CRM_DATA_DIR/documents or .data/documents), outside the static files and with no URL: only
the app serves a document, after its scope check (customers.document_views). With
DOCUMENTS_S3_BUCKET set, an S3-compatible bucket through django-storages (the `s3` extra:
pip install '.[s3]'), private, with signed URLs off since the app streams the file itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

S3_BACKEND = "storages.backends.s3.S3Storage"
FILESYSTEM_BACKEND = "django.core.files.storage.FileSystemStorage"


def documents_storage_setting(environ: Mapping[str, str], *, data_dir: Path) -> dict:
    """The STORAGES entry for documents from these environment variables."""
    bucket = environ.get("DOCUMENTS_S3_BUCKET", "").strip()
    if not bucket:
        root = environ.get("DOCUMENTS_ROOT", "").strip() or str(data_dir / "documents")
        return {
            "BACKEND": FILESYSTEM_BACKEND,
            # No base_url: a document has no public address.
            "OPTIONS": {
                "location": root,
                "base_url": None,
                "file_permissions_mode": 0o600,
                "directory_permissions_mode": 0o700,
            },
        }
    try:
        import storages.backends.s3  # noqa: F401
    except ImportError as error:  # pragma: no cover - only without the [s3] extra
        raise ImproperlyConfigured(
            "DOCUMENTS_S3_BUCKET is set but django-storages with boto3 is not installed "
            "(pip install '.[s3]')"
        ) from error
    options = {
        "bucket_name": bucket,
        "location": environ.get("DOCUMENTS_S3_PREFIX", "documents").strip(),
        # Private objects; the app streams them, so no public or signed URL is handed out.
        "default_acl": "private",
        "querystring_auth": True,
        "file_overwrite": False,
    }
    for variable, option in (
        ("DOCUMENTS_S3_ENDPOINT_URL", "endpoint_url"),
        ("DOCUMENTS_S3_REGION", "region_name"),
        ("DOCUMENTS_S3_ACCESS_KEY_ID", "access_key"),
        ("DOCUMENTS_S3_SECRET_ACCESS_KEY", "secret_key"),
    ):
        value = environ.get(variable, "").strip()
        if value:
            options[option] = value
    return {"BACKEND": S3_BACKEND, "OPTIONS": options}
