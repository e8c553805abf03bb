"""What an uploaded file really is, read from its bytes (pure: no Django).

The name's extension is only a claim: a file is accepted when its content is of a kind the
bank keeps (PDF, PNG, JPEG, and the Office Open XML workbooks and documents, which are zip
archives with the members that make them one) and that kind matches the extension. The
signatures are the formats' own magic numbers (ISO 32000 for PDF, the PNG and JFIF/Exif
headers, ECMA-376 for XLSX and DOCX); a short table reads them, so no library guesses for us.
"""

from __future__ import annotations

import zipfile
from typing import BinaryIO

PDF = "pdf"
PNG = "png"
JPEG = "jpeg"
XLSX = "xlsx"
DOCX = "docx"

# The kind's leading bytes (the zip-based kinds are told apart by their members below).
SIGNATURES = {
    PDF: b"%PDF-",
    PNG: b"\x89PNG\r\n\x1a\n",
    JPEG: b"\xff\xd8\xff",
}
ZIP_SIGNATURE = b"PK\x03\x04"
# The members an Office Open XML package of each kind must hold.
ZIP_MEMBERS = {
    XLSX: frozenset({"[Content_Types].xml", "xl/workbook.xml"}),
    DOCX: frozenset({"[Content_Types].xml", "word/document.xml"}),
}
# The extensions each kind may carry, and the media type it is served with.
EXTENSIONS = {
    PDF: frozenset({"pdf"}),
    PNG: frozenset({"png"}),
    JPEG: frozenset({"jpg", "jpeg"}),
    XLSX: frozenset({"xlsx"}),
    DOCX: frozenset({"docx"}),
}
MEDIA_TYPES = {
    PDF: "application/pdf",
    PNG: "image/png",
    JPEG: "image/jpeg",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
ACCEPTED_EXTENSIONS = sorted({ext for exts in EXTENSIONS.values() for ext in exts})
MAX_NAME_LENGTH = 200

# Why a file is refused (the service words each in the reader's language).
EMPTY = "empty"
TOO_LARGE = "too_large"
PATH_IN_NAME = "path_in_name"
BAD_NAME = "bad_name"
UNKNOWN_EXTENSION = "unknown_extension"
CONTENT_MISMATCH = "content_mismatch"


def extension_of(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def name_problem(name: str) -> str | None:
    """A name is one plain file name: no folder, no way up, no control character (a name
    with path parts is refused, never silently cut down to its last part)."""
    if "/" in name or "\\" in name or name in {".", ".."} or ".." in name.split("."):
        return PATH_IN_NAME
    if (
        not name.strip()
        or len(name) > MAX_NAME_LENGTH
        or name.startswith(".")
        or any(ord(char) < 32 or char == "\x7f" for char in name)
    ):
        return BAD_NAME
    if extension_of(name) not in ACCEPTED_EXTENSIONS:
        return UNKNOWN_EXTENSION
    return None


def content_kind(stream: BinaryIO) -> str | None:
    """The kind of the file in `stream` (read from its start, left at its start), or None."""
    stream.seek(0)
    head = stream.read(16)
    stream.seek(0)
    for kind, signature in SIGNATURES.items():
        if head.startswith(signature):
            return kind
    if not head.startswith(ZIP_SIGNATURE):
        return None
    try:
        with zipfile.ZipFile(stream) as archive:
            members = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    finally:
        stream.seek(0)
    for kind, required in ZIP_MEMBERS.items():
        if required <= members:
            return kind
    return None


def file_problem(*, name: str, size: int, max_bytes: int, stream: BinaryIO) -> str | None:
    """The first reason to refuse this upload, or None with the file accepted."""
    problem = name_problem(name)
    if problem:
        return problem
    if size <= 0:
        return EMPTY
    if size > max_bytes:
        return TOO_LARGE
    kind = content_kind(stream)
    if kind is None or extension_of(name) not in EXTENSIONS[kind]:
        return CONTENT_MISMATCH
    return None
