"""Form helpers shared by every app's views."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.numbers import format_percent


def refusal_status(request) -> int:
    """The status of a form page: reached by a POST, the page is the form sent back with its
    errors, a refusal (400); reached by a GET, the empty form (200)."""
    return 400 if request.method == "POST" else 200


def apply_service_errors(form, error: ValidationError) -> None:
    """Puts a service's ValidationError next to the fields it names (others on top)."""
    if hasattr(error, "error_dict"):
        for field, field_errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, field_errors)
    else:
        form.add_error(None, error)


class MomentField(forms.DateTimeField):
    """A moment carried by a link (the dashboard's drill-downs: the moment its figures were
    counted at), hidden, to the microsecond: a list counting at that moment must not move by
    the part of a second a form would round away. Never in the future."""

    widget = forms.DateTimeInput(format="%Y-%m-%dT%H:%M:%S.%f")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.widget.input_type = "hidden"

    def validate(self, value):
        super().validate(value)
        if value is not None and value > timezone.now():
            raise ValidationError(_("This moment has not come yet."), code="future")


class PercentField(forms.DecimalField):
    """A rate typed as a percentage, as bankers write it (4.35 means 4.35% a year), cleaned to
    the fraction the models store (Decimal("0.0435")); a fraction given as the initial value is
    shown as a percentage. The bounds are fractions too and are named as percentages in the
    messages ("cannot exceed 24.00%")."""

    # Two decimal places fewer than the fraction stored: 4.3512% is 0.043512.
    SHIFT = 2

    def __init__(self, *, min_fraction=None, max_fraction=None, fraction_places: int = 6, **kwargs):
        kwargs.setdefault("max_digits", 9)
        kwargs.setdefault("decimal_places", fraction_places - self.SHIFT)
        kwargs.setdefault("help_text", _("As a percentage: 4.35 means 4.35% a year."))
        super().__init__(**kwargs)
        self.min_fraction = min_fraction
        self.max_fraction = max_fraction

    def prepare_value(self, value):
        # Typed text comes back as typed; a stored fraction is shown as its percentage.
        if isinstance(value, Decimal):
            return f"{value.scaleb(self.SHIFT).normalize():f}"
        return super().prepare_value(value)

    def clean(self, value):
        percentage = super().clean(value)
        if percentage is None:
            return None
        fraction = percentage.scaleb(-self.SHIFT)
        if self.max_fraction is not None and fraction > self.max_fraction:
            raise ValidationError(
                _("The rate cannot exceed %(max)s.") % {"max": format_percent(self.max_fraction)},
                code="max_value",
            )
        if self.min_fraction is not None and fraction < self.min_fraction:
            raise ValidationError(
                _("The rate cannot be below %(min)s.") % {"min": format_percent(self.min_fraction)},
                code="min_value",
            )
        return fraction
