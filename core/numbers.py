"""Numbers as bankers write them, the same in every language of the interface: money as
¥1,234,567.80 (a minus before the sign), rates, PDs and shares as 4.35%. Pages (the `yuan`
and `percent` template filters) and error messages both format through these two, so a bound
reads the same in a message as on the page. Pure: no Django import."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

NOTHING = "—"


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None
    return number if number.is_finite() else None


def format_money(value) -> str:
    """Decimal("4245228.05") → "¥4,245,228.05"; Decimal("-12.5") → "-¥12.50"; no value → "—"."""
    amount = _decimal(value)
    if amount is None:
        return NOTHING
    cents = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if cents < 0 else ""
    return f"{sign}¥{abs(cents):,.2f}"


def format_percent(value, places: int = 2) -> str:
    """A fraction as a percentage: Decimal("0.0435") → "4.35%", Decimal("0.212") → "21.20%";
    no value → "" (templates say `|default:"—"` where a dash is wanted)."""
    fraction = _decimal(value)
    if fraction is None:
        return ""
    step = Decimal(1).scaleb(-int(places))
    shown = (fraction * 100).quantize(step, rounding=ROUND_HALF_UP)
    return f"{shown:,.{int(places)}f}%"
