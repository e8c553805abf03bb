"""`{% severity_badge alert.severity label %}`: an alert's severity as a coloured badge.

A tag rather than an included template: the alert list and the Today panel draw one per row,
and an include per row cost more than the rest of the row."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from risk.models import Severity

register = template.Library()

SEVERITY_BADGE_CLASSES = {
    Severity.RED.value: "text-bg-danger",
    Severity.ORANGE.value: "text-bg-warning",
}
# Yellow, the mildest: light, with a yellow border to stay readable on white.
OTHER_SEVERITY_BADGE_CLASS = "text-bg-light border border-warning"


@register.simple_tag
def severity_badge(severity: str, label: str) -> SafeString:
    return format_html(
        '<span class="badge {}">{}</span>',
        SEVERITY_BADGE_CLASSES.get(severity, OTHER_SEVERITY_BADGE_CLASS),
        label,
    )
