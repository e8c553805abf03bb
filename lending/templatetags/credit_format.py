from decimal import Decimal, InvalidOperation

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def percent(value, places: int = 2) -> str:
    """0.0435 → "4.35%"; empty for no value."""
    if value in (None, ""):
        return ""
    try:
        return f"{number_format(Decimal(value) * 100, int(places))}%"
    except (InvalidOperation, TypeError, ValueError):
        return ""


@register.filter
def yuan(value) -> str:
    """A money amount with thousands separators in every language: ¥1,234,567.80."""
    if value in (None, ""):
        return "—"
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return ""
    return f"¥{amount:,.2f}"
