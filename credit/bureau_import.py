"""Reading one credit bureau report from a file (the layout is in docs/bureau.md).

JSON: one object with the report's fields and an `accounts` list of objects. CSV: a header,
then one row with `record` = report and a row with `record` = account per account. Every
record is checked with the forms the report page uses (credit.bureau_forms); a file with any
problem is refused whole, each problem named by its line (CSV) or record (JSON) and field.
"""

from __future__ import annotations

import csv
import io
import json

from django.utils.translation import gettext as _

from credit.bureau_forms import BureauAccountForm, BureauReportForm

REPORT_FIELDS = list(BureauReportForm.Meta.fields)
ACCOUNT_FIELDS = list(BureauAccountForm.Meta.fields)
CSV_COLUMNS = ["record", *REPORT_FIELDS, *ACCOUNT_FIELDS]
MAX_ACCOUNTS = 50


class BureauFileError(ValueError):
    """The file cannot be imported; `problems` lists each with where it is."""

    def __init__(self, problems: list[str]):
        super().__init__(" ".join(problems))
        self.problems = problems


def _records_from_json(text: str) -> tuple[tuple[str, dict], list[tuple[str, dict]]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise BureauFileError(
            [
                _("Line %(line)s: not valid JSON (%(reason)s).")
                % {"line": error.lineno, "reason": error.msg}
            ]
        ) from None
    if not isinstance(data, dict):
        raise BureauFileError([_("The file must hold one JSON object: the report.")])
    unknown = sorted(set(data) - {*REPORT_FIELDS, "accounts"})
    if unknown:
        raise BureauFileError([_("Unknown fields: %(fields)s.") % {"fields": ", ".join(unknown)}])
    accounts = data.get("accounts", [])
    if not isinstance(accounts, list) or not all(isinstance(item, dict) for item in accounts):
        raise BureauFileError([_("accounts must be a list of objects.")])
    report = {key: value for key, value in data.items() if key != "accounts"}
    where = _("report")
    lines = []
    for position, account in enumerate(accounts, start=1):
        unknown = sorted(set(account) - set(ACCOUNT_FIELDS))
        if unknown:
            raise BureauFileError(
                [
                    _("Account %(position)s: unknown fields: %(fields)s.")
                    % {"position": position, "fields": ", ".join(unknown)}
                ]
            )
        lines.append((_("account %(position)s") % {"position": position}, account))
    return (where, report), lines


def _records_from_csv(text: str) -> tuple[tuple[str, dict], list[tuple[str, dict]]]:
    reader = csv.DictReader(io.StringIO(text))
    header = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
    unknown = [name for name in header if name and name not in CSV_COLUMNS]
    if unknown:
        raise BureauFileError(
            [_("Line 1: unknown columns: %(columns)s.") % {"columns": ", ".join(unknown)}]
        )
    if "record" not in header:
        raise BureauFileError([_("Line 1: the column record is missing.")])
    reader.fieldnames = header
    report, accounts, problems = None, [], []
    try:
        for row in reader:
            line = reader.line_num
            kind = (row.get("record") or "").strip().lower()
            values = {
                key: (value or "").strip()
                for key, value in row.items()
                if key and key != "record" and (value or "").strip()
            }
            where = _("line %(line)s") % {"line": line}
            if kind == "report":
                if report is not None:
                    problems.append(_("Line %(line)s: a second report row.") % {"line": line})
                report = (where, {key: values.get(key, "") for key in REPORT_FIELDS})
            elif kind == "account":
                accounts.append((where, {key: values.get(key, "") for key in ACCOUNT_FIELDS}))
            elif any(values.values()) or kind:
                problems.append(
                    _("Line %(line)s, field record: enter report or account.") % {"line": line}
                )
    except csv.Error:
        raise BureauFileError([_("The file is not a readable CSV file.")]) from None
    if report is None:
        problems.append(_("The file has no report row."))
    if problems:
        raise BureauFileError(problems)
    return report, accounts


def _problems(where: str, form) -> list[str]:
    problems = []
    for field, errors in form.errors.items():
        for message in errors:
            problems.append(
                _("%(where)s, field %(field)s: %(message)s")
                % {"where": where.capitalize(), "field": field, "message": message}
            )
    return problems


def read_report_file(data: bytes, filename: str, *, customer):
    """The report form and the account forms of a file, all valid; BureauFileError (with
    every problem found) otherwise. Nothing is saved here."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BureauFileError([_("The file is not UTF-8 text.")]) from None
    if filename.lower().endswith(".json"):
        (where, report), accounts = _records_from_json(text)
    else:
        (where, report), accounts = _records_from_csv(text)
    if len(accounts) > MAX_ACCOUNTS:
        raise BureauFileError(
            [_("At most %(count)s accounts per report.") % {"count": MAX_ACCOUNTS}]
        )
    report_form = BureauReportForm(
        data={key: _as_text(value) for key, value in report.items()}, customer=customer
    )
    problems = [] if report_form.is_valid() else _problems(where, report_form)
    account_forms = []
    for place, account in accounts:
        account_form = BureauAccountForm(data={key: _as_text(v) for key, v in account.items()})
        if not account_form.is_valid():
            problems += _problems(place, account_form)
        account_forms.append(account_form)
    if problems:
        raise BureauFileError(problems)
    return report_form, account_forms


def _as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool | dict | list):
        # Not a value any field takes: the field's own message says what it expects.
        return json.dumps(value)
    return str(value)
