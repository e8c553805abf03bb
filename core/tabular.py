"""Reading CSV and XLSX exports safely, for every import: size and row limits, UTF-8 or
GB18030 text, no formula evaluation, no zip bombs, no DTDs or entities (defusedxml), and a
header checked against the layout. Whatever goes wrong while reading is the file's fault and
refuses it whole (ImportFileError), never a server error.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging

from django.utils.translation import gettext as _

MAX_BYTES = 20 * 1024 * 1024

logger = logging.getLogger(__name__)


class ImportFileError(ValueError):
    """The file as a whole cannot be read; nothing was imported."""


def read_table(
    data: bytes, filename: str, *, columns: list[str], required: list[str], max_rows: int
) -> list[dict[str, str]]:
    """The file's rows as dicts of text, header names lower-cased; refuses bad files whole
    (too large, not CSV/XLSX, unreadable, unknown or missing columns, too many rows)."""
    if len(data) > MAX_BYTES:
        raise ImportFileError(_("The file is larger than 20 MB."))
    name = filename.lower()
    if name.endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("gb18030")
            except UnicodeDecodeError:
                raise ImportFileError(
                    _("The CSV file is neither UTF-8 nor GB18030 text.")
                ) from None
        if "\x00" in text:
            # No text column can hold NUL (PostgreSQL refuses it): a file with one is corrupt.
            raise ImportFileError(_("The CSV file contains NUL characters; export it again."))
        try:
            table = list(csv.reader(io.StringIO(text)))
        except csv.Error:
            # A cell past the csv module's field limit (128 KB), or quoting it cannot follow.
            raise ImportFileError(_("The file is not a readable CSV file.")) from None
    elif name.endswith(".xlsx"):
        table = _xlsx_table(data, max_rows)
    else:
        raise ImportFileError(_("Upload a .csv or .xlsx file."))
    if not table:
        raise ImportFileError(_("The file is empty."))
    header = [str(cell or "").strip().lower() for cell in table[0]]
    unknown = [column for column in header if column and column not in columns]
    if unknown:
        raise ImportFileError(_("Unknown columns: %(columns)s.") % {"columns": ", ".join(unknown)})
    missing = [column for column in required if column not in header]
    if missing:
        raise ImportFileError(_("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)})
    rows = [
        {column: _cell_text(cell) for column, cell in zip(header, row, strict=False) if column}
        for row in table[1:]
        if any(_cell_text(cell) for cell in row)
    ]
    if len(rows) > max_rows:
        raise ImportFileError(_("At most %(count)s rows per file.") % {"count": max_rows})
    return rows


# Excel's own limit: a sheet claiming rows beyond it was not written by a spreadsheet.
MAX_SHEET_ROWS = 1_048_576
# The import layouts have fewer than 20 columns; a wider header is not one of them, and
# reading only as far as the header keeps every row as narrow as the layout.
MAX_COLUMNS = 100


def _xlsx_table(data: bytes, max_rows: int) -> list[list]:
    """The first sheet's rows up to the first row past the limit (counting rows with a
    value; blank rows are skipped by the caller too). Any failure while reading is the
    file's: openpyxl and the XML parser raise many kinds of errors on corrupt parts (cut-off
    XML, bad zip members, DTDs refused by defusedxml...), and none of them is a server error."""
    import zipfile

    from openpyxl import load_workbook

    try:
        # Refuse zip bombs before openpyxl inflates anything: the unpacked size is declared.
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(item.file_size for item in archive.infolist()) > 10 * MAX_BYTES:
                raise ImportFileError(_("The spreadsheet unpacks to more than 200 MB."))
        # read_only streams rows; data_only reads stored values and never evaluates formulas.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            return _sheet_rows(workbook.worksheets[0], max_rows)
        finally:
            workbook.close()
    except ImportFileError:
        raise
    except Exception as error:
        logger.info("unreadable workbook upload: %r", error)
        raise ImportFileError(_("The file is not a readable XLSX workbook.")) from None


def _sheet_rows(sheet, max_rows: int) -> list[list]:
    # The size a sheet declares is the file's claim, not its content: read what is there.
    sheet.reset_dimensions()
    header = list(next(sheet.iter_rows(max_row=1, values_only=True), ()))
    while header and _cell_text(header[-1]) == "":
        header.pop()
    if len(header) > MAX_COLUMNS:
        raise ImportFileError(
            _("The header is wider than %(count)s columns.") % {"count": MAX_COLUMNS}
        )
    table = [header]
    filled = 0
    # Cells right of the header have no column to go to: each row is read only that wide.
    rows = sheet.iter_rows(min_row=2, max_col=len(header) or MAX_COLUMNS, values_only=True)
    for number, row in enumerate(rows, start=2):
        if number > MAX_SHEET_ROWS:
            raise ImportFileError(_("The file is not a readable XLSX workbook."))
        # Blank rows are skipped as read_table skips them; a gap in the row numbers yields
        # many, so the cheap test comes first.
        if row.count(None) == len(row) or not any(_cell_text(cell) for cell in row):
            continue
        table.append(list(row))
        filled += 1
        if filled > max_rows:
            break  # one row past the limit is enough for read_table to refuse the file
    return table if header or filled else []


def _cell_text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, dt.datetime):
        return cell.date().isoformat()
    if isinstance(cell, dt.date):
        return cell.isoformat()
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()
