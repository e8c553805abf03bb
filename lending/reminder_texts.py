"""Payment reminders' wording and timing, pure: the placeholders a template may use, the
default templates in both languages, how a template is filled, and the quiet hours (no
message goes out at night; what falls in them waits for their end). No Django here."""

from __future__ import annotations

import datetime as dt
import string
from decimal import ROUND_HALF_UP, Decimal

# What a template may name, in braces: {amount} (¥1,234.56), {due_date} (2026-11-21),
# {loan} (the loan's account number) and {days} (days overdue; 0 before the due date).
PLACEHOLDERS = ("amount", "due_date", "loan", "days")

LANGUAGES = ("zh-hans", "en")

DEFAULT_DUE_TEMPLATE = {
    "en": "Reminder: an instalment of {amount} on your loan {loan} is due on {due_date}.",
    "zh-hans": "温馨提示：您的贷款{loan}有一期{amount}的还款将于{due_date}到期，请按时还款。",
}
DEFAULT_OVERDUE_TEMPLATE = {
    "en": (
        "Your instalment of {amount} on loan {loan}, due on {due_date}, is {days} days "
        "overdue. Please repay as soon as possible or call your relationship manager."
    ),
    "zh-hans": (
        "您的贷款{loan}于{due_date}到期的{amount}还款已逾期{days}天，请尽快还款或联系您的客户经理。"
    ),
}

DEFAULT_DAYS_BEFORE_DUE = 3
DEFAULT_OVERDUE_DAYS = (1, 7, 30)
DEFAULT_QUIET_START = dt.time(21, 0)
DEFAULT_QUIET_END = dt.time(8, 0)


def unknown_placeholders(template: str) -> list[str]:
    """The names in braces the template uses but no reminder fills; raises ValueError on a
    template that is not well formed (an unmatched brace)."""
    used = [name for _text, name, _spec, _conv in string.Formatter().parse(template) if name]
    return sorted({name for name in used if name not in PLACEHOLDERS})


def money_text(amount: Decimal) -> str:
    """Decimal("1234.5") → "¥1,234.50", the same in both languages."""
    cents = Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if cents < 0 else ""
    return f"{sign}¥{abs(cents):,.2f}"


def fill(template: str, *, amount: Decimal, due_date: dt.date, loan: str, days: int) -> str:
    return template.format(
        amount=money_text(amount), due_date=due_date.isoformat(), loan=loan, days=days
    )


def in_quiet_hours(local_time: dt.time, start: dt.time, end: dt.time) -> bool:
    """Whether a local wall-clock time falls in the quiet hours [start, end), which may run
    over midnight (21:00–08:00). Equal start and end mean no quiet hours."""
    if start == end:
        return False
    if start < end:
        return start <= local_time < end
    return local_time >= start or local_time < end


def next_send_time(now: dt.datetime, start: dt.time, end: dt.time) -> dt.datetime:
    """`now` (aware, in the bank's time zone) if it is outside the quiet hours, else the end
    of the quiet hours that hold it (today's, or tomorrow's when they run over midnight)."""
    if not in_quiet_hours(now.timetz().replace(tzinfo=None), start, end):
        return now
    end_today = now.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    return end_today if end_today > now else end_today + dt.timedelta(days=1)
