from django import template

from core.numbers import format_money, format_percent

register = template.Library()


@register.filter
def percent(value, places: int = 2) -> str:
    """0.0435 → "4.35%"; empty for no value (templates add `|default:"—"`)."""
    return format_percent(value, places)


@register.filter
def yuan(value) -> str:
    """A money amount with thousands separators in every language: ¥1,234,567.80; "—" for
    no value."""
    return format_money(value)
