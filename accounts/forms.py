import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class AuthenticatorCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_code(self):
        # Apps show the code as "123 456"; people copy it with the space.
        code = "".join(self.cleaned_data["code"].split())
        if not re.fullmatch(r"[0-9]{6}", code):
            raise ValidationError(_("Enter the 6 digits your authenticator app shows."))
        return code


class PasswordAndCodeForm(AuthenticatorCodeForm):
    """Changes to the second factor itself ask for the password too: a session left open is
    not enough to enrol another phone or to turn the factor off. The service checks it, with
    the code, under the device's throttling."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )

    field_order = ["password", "code"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The password comes first on the form, and the focus with it.
        self.fields["code"].widget.attrs.pop("autofocus", None)
