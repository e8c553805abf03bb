"""Form helpers shared by every app's views."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
