"""List exports for every app, streamed: CSV row by row, XLSX through a temporary file, so a
large export never sits in memory. Cells a spreadsheet would read as a formula are
neutralised (CSV injection).

A column is (label, getter) or (label, getter, kind). CSV holds plain values; XLSX types its
cells as a banker's spreadsheet would: dates as dates, moments in the bank's time zone, money
as numbers with a money format, rates (kind PERCENT, a fraction) with a percentage format.
A column without a kind takes it from its values (a Decimal is money)."""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
import unicodedata
from collections.abc import Callable, Iterable
from decimal import Decimal
from itertools import islice

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone

CHUNK = 2000
Column = tuple[str, Callable] | tuple[str, Callable, str]

MONEY = "money"
PERCENT = "percent"
DATE = "date"
DATETIME = "datetime"
XLSX_FORMATS = {
    MONEY: "#,##0.00",
    PERCENT: "0.00%",
    DATE: "yyyy-mm-dd",
    DATETIME: "yyyy-mm-dd hh:mm",
}
# Widths in characters: a kind's own, else the widest of the header and the first rows.
XLSX_WIDTHS = {MONEY: 16, PERCENT: 10, DATE: 12, DATETIME: 17}
WIDTH_SAMPLE_ROWS = 200
MAX_WIDTH = 50


def column_kind(column: Column, value=None) -> str | None:
    if len(column) > 2 and column[2]:
        return column[2]
    if isinstance(value, dt.datetime):
        return DATETIME
    if isinstance(value, dt.date):
        return DATE
    if isinstance(value, Decimal):
        return MONEY
    return None


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
        yield [safe_cell(column[1](row)) for column in columns]


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
        yield writer.writerow([str(column[0]) for column in columns])
        for row in _rows(_iterate(rows), columns):
            yield writer.writerow(row)

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(stem, "csv")}"'
    return response


def _display_width(text: str) -> int:
    # A Chinese character takes two columns of a spreadsheet.
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _xlsx_value(value):
    if isinstance(value, dt.datetime):
        # A spreadsheet cell has no time zone: the bank's local time, naive.
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, dt.date):
        return value
    return safe_cell(value)


def export_xlsx(rows, columns: list[Column], *, stem: str, sheet: str) -> FileResponse:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet)
    labels = [str(column[0]) for column in columns]
    source = iter(_iterate(rows))
    # The first rows size the columns; they are held, never the whole export.
    sample = [[column[1](row) for column in columns] for row in islice(source, WIDTH_SAMPLE_ROWS)]
    kinds = [
        column_kind(column, next((row[i] for row in sample if row[i] is not None), None))
        for i, column in enumerate(columns)
    ]
    for index, (label, kind) in enumerate(zip(labels, kinds, strict=True), start=1):
        widest = max(
            [_display_width(label), *(_display_width(str(row[index - 1])) for row in sample)]
        )
        width = max(widest, XLSX_WIDTHS.get(kind, 0)) + 2
        worksheet.column_dimensions[get_column_letter(index)].width = min(width, MAX_WIDTH)
    # Set before the first row is written: write-only mode writes the sheet's head with it.
    worksheet.freeze_panes = "A2"
    worksheet.append(labels)

    def typed(values):
        cells = []
        for value, kind in zip(values, kinds, strict=True):
            cell = WriteOnlyCell(worksheet, value=_xlsx_value(value))
            if kind in XLSX_FORMATS and value is not None and not isinstance(value, str):
                cell.number_format = XLSX_FORMATS[kind]
            cells.append(cell)
        return cells

    written = 1
    for values in sample:
        worksheet.append(typed(values))
        written += 1
    for row in source:
        worksheet.append(typed([column[1](row) for column in columns]))
        written += 1
    worksheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{written}"
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
