import re

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
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


class LoginForm(AuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # AuthenticationForm sets the username's max_length after the field is built, so it
        # is never checked: a longer name went on to the failed log-in records (255
        # characters at most) and failed there with a server error.
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))
