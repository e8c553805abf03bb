"""Reading CSV and XLSX exports safely, for every import: size and row limits, UTF-8 or
GB18030 text, no formula evaluation, no zip bombs, and a header checked against the layout.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.utils.translation import gettext as _

MAX_BYTES = 20 * 1024 * 1024


class ImportFileError(ValueError):
    """The file as a whole cannot be read; nothing was imported."""


def read_table(
    data: bytes, filename: str, *, columns: list[str], required: list[str], max_rows: int
) -> list[dict[str, str]]:
    """The file's rows as dicts of text, header names lower-cased; refuses bad files whole
    (too large, not CSV/XLSX, unknown or missing columns, too many rows)."""
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
        table = list(csv.reader(io.StringIO(text)))
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


def _xlsx_table(data: bytes, max_rows: int) -> list[list]:
    import zipfile

    from openpyxl import load_workbook

    try:
        # Refuse zip bombs before openpyxl inflates anything: the unpacked size is declared.
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(item.file_size for item in archive.infolist()) > 10 * MAX_BYTES:
                raise ImportFileError(_("The spreadsheet unpacks to more than 200 MB."))
        # read_only streams rows; data_only reads stored values and never evaluates formulas.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        if isinstance(error, ImportFileError):
            raise
        raise ImportFileError(_("The file is not a readable XLSX workbook.")) from None
    sheet = workbook.worksheets[0]
    table = []
    for row in sheet.iter_rows(values_only=True):
        table.append(list(row))
        if len(table) > max_rows + 1:
            break
    workbook.close()
    return table


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
