"""Customer list exports, streamed: CSV row by row, XLSX through a temporary file, so a large
export never sits in memory. Identifiers are masked, and cells that a spreadsheet would read
as a formula are neutralised."""

from __future__ import annotations

import csv
import tempfile

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

CHUNK = 2000


def _columns():
    return [
        (_("ID"), lambda c: c.pk),
        (_("Type"), lambda c: c.get_kind_display()),
        (_("Name"), lambda c: c.name),
        (_("Identifier"), lambda c: c.masked_identifier),
        (_("Phone"), lambda c: c.masked_phone),
        (_("E-mail"), lambda c: c.email),
        (_("Relationship manager"), lambda c: str(c.officer)),
        (_("Branch"), lambda c: str(c.branch)),
        (_("Risk level"), lambda c: c.get_risk_level_display()),
        (_("Grade"), lambda c: c.grade),
        (_("Industry"), lambda c: str(c.industry) if c.industry_id else ""),
        (_("Size"), lambda c: c.get_size_display()),
        (_("Monthly income"), lambda c: c.monthly_income),
        (_("Annual revenue"), lambda c: c.annual_revenue),
        (_("Created"), lambda c: timezone.localtime(c.created_at).strftime("%Y-%m-%d %H:%M")),
    ]


def safe_cell(value):
    """A text cell starting with = + - @ would run as a formula in Excel (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def _rows(queryset, columns):
    for customer in queryset.iterator(chunk_size=CHUNK):
        yield [safe_cell(getter(customer)) for _label, getter in columns]


def _filename(extension: str) -> str:
    return f"customers-{timezone.localtime():%Y%m%d-%H%M}.{extension}"


class _Echo:
    def write(self, value):
        return value


def export_csv(queryset) -> StreamingHttpResponse:
    columns = _columns()
    writer = csv.writer(_Echo())

    def stream():
        # A byte-order mark so Excel opens the Chinese text as UTF-8.
        yield "\ufeff"
        yield writer.writerow([label for label, _getter in columns])
        for row in _rows(queryset, columns):
            yield writer.writerow(row)

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename("csv")}"'
    return response


def export_xlsx(queryset) -> FileResponse:
    from openpyxl import Workbook

    columns = _columns()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Customers"))
    sheet.append([label for label, _getter in columns])
    for row in _rows(queryset, columns):
        sheet.append(row)
    # Write-only mode streams rows to disk; the response then streams the file.
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when sent
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=_filename("xlsx"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


FORMATS = {"csv": export_csv, "xlsx": export_xlsx}
