"""Django validators over the pure identifier rules, with messages in the user's language."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from customers import identifiers


def validate_resident_id(value: str) -> None:
    try:
        identifiers.parse_resident_id(value)
    except identifiers.IdentifierError as error:
        raise ValidationError(gettext(str(error)), code="resident_id") from None


def validate_credit_code(value: str) -> None:
    try:
        identifiers.parse_credit_code(value)
    except identifiers.IdentifierError as error:
        raise ValidationError(gettext(str(error)), code="credit_code") from None


def validate_phone(value: str) -> None:
    try:
        identifiers.normalize_phone(value)
    except identifiers.IdentifierError as error:
        raise ValidationError(gettext(str(error)), code="phone") from None
