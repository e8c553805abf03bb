"""List exports for every app, streamed: CSV row by row, XLSX through a temporary file, so a
large export never sits in memory. Cells a spreadsheet would read as a formula are
neutralised (CSV injection)."""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections.abc import Callable, Iterable

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone

CHUNK = 2000
Column = tuple[str, Callable]


def safe_cell(value):
    """A text cell starting with = + - @ would run as a formula in Excel (CSV injection). A
    moment is written as the bank's local time (a spreadsheet cell has no time zone, and the
    UTC date of a visit at 01:05 would be the day before)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return "" if value is None else value


def _rows(rows: Iterable, columns: list[Column]):
    for row in rows:
        yield [safe_cell(getter(row)) for _label, getter in columns]


def _iterate(queryset) -> Iterable:
    return queryset.iterator(chunk_size=CHUNK) if hasattr(queryset, "iterator") else queryset


def _filename(stem: str, extension: str) -> str:
    return f"{stem}-{timezone.localtime():%Y%m%d-%H%M}.{extension}"


class _Echo:
    def write(self, value):
        return value


def export_csv(rows, columns: list[Column], *, stem: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def stream():
        # A byte-order mark so Excel opens the Chinese text as UTF-8.
        yield "\ufeff"
        yield writer.writerow([str(label) for label, _getter in columns])
        for row in _rows(_iterate(rows), columns):
            yield writer.writerow(row)

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(stem, "csv")}"'
    return response


def export_xlsx(rows, columns: list[Column], *, stem: str, sheet: str) -> FileResponse:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet)
    worksheet.append([str(label) for label, _getter in columns])
    for row in _rows(_iterate(rows), columns):
        worksheet.append(row)
    # Write-only mode streams rows to disk; the response then streams the file.
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when sent
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=_filename(stem, "xlsx"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def export(fmt: str, rows, columns: list[Column], *, stem: str, sheet: str):
    if fmt == "csv":
        return export_csv(rows, columns, stem=stem)
    return export_xlsx(rows, columns, stem=stem, sheet=sheet)


FORMATS = ("csv", "xlsx")
