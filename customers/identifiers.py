"""PRC identifiers: validation and masking. Pure Python, no Django, so batch jobs reuse it.

- Resident identity number (居民身份证号码), GB 11643-1999: 6-digit area code, 8-digit birth
  date, 3-digit sequence (odd for men), and a check character by ISO 7064 MOD 11-2.
- Unified social credit code (统一社会信用代码), GB 32100-2015: 18 characters from a 31-symbol
  alphabet (no I, O, S, V, Z), the last a MOD 31 check character.
"""

from __future__ import annotations

import datetime as dt
import re

RESIDENT_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
RESIDENT_ID_CHECK = "10X98765432"

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


class IdentifierError(ValueError):
    """The message says what is wrong, for display next to the field (translated by forms)."""


def gettext_noop(message: str) -> str:
    """Marks a message for the translation catalogue without importing Django."""
    return message


def resident_id_check_char(first17: str) -> str:
    total = sum(
        int(digit) * weight for digit, weight in zip(first17, RESIDENT_ID_WEIGHTS, strict=True)
    )
    return RESIDENT_ID_CHECK[total % 11]


def normalize_resident_id(value: str) -> str:
    return (value or "").strip().upper().replace(" ", "")


def parse_resident_id(value: str, *, today: dt.date | None = None) -> tuple[str, dt.date, str]:
    """Returns (normalised id, birth date, gender 'M'/'F') or raises IdentifierError."""
    number = normalize_resident_id(value)
    if len(number) != 18:
        raise IdentifierError(gettext_noop("A resident identity number has 18 characters."))
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise IdentifierError(
            gettext_noop("A resident identity number is 17 digits followed by a digit or X.")
        )
    try:
        birth_date = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdentifierError(
            gettext_noop("The birth date inside the identity number is not a real date.")
        ) from None
    today = today or dt.date.today()
    if birth_date > today or birth_date.year < 1900:
        raise IdentifierError(
            gettext_noop("The birth date inside the identity number is not plausible.")
        )
    if resident_id_check_char(number[:17]) != number[17]:
        raise IdentifierError(
            gettext_noop("The check digit of the identity number is wrong: please re-type it.")
        )
    gender = "M" if int(number[16]) % 2 == 1 else "F"
    return number, birth_date, gender


def credit_code_check_char(first17: str) -> str:
    total = sum(
        CREDIT_CODE_ALPHABET.index(char) * weight
        for char, weight in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def normalize_credit_code(value: str) -> str:
    return (value or "").strip().upper().replace(" ", "")


def parse_credit_code(value: str) -> str:
    code = normalize_credit_code(value)
    if len(code) != 18:
        raise IdentifierError(gettext_noop("A unified social credit code has 18 characters."))
    if any(char not in CREDIT_CODE_ALPHABET for char in code):
        raise IdentifierError(
            gettext_noop(
                "A unified social credit code uses digits and capital letters "
                "except I, O, S, V and Z."
            )
        )
    if credit_code_check_char(code[:17]) != code[17]:
        raise IdentifierError(
            gettext_noop("The check character of the credit code is wrong: please re-type it.")
        )
    return code


def normalize_phone(value: str) -> str:
    """Mainland mobile (13800138000) or landline with area code (010-12345678)."""
    phone = re.sub(r"[\s()]", "", value or "")
    if phone.startswith("+86"):
        phone = phone[3:]
    elif phone.startswith("0086"):
        phone = phone[4:]
    phone = phone.lstrip("-")
    if MOBILE_RE.match(phone) or LANDLINE_RE.match(phone):
        return phone
    raise IdentifierError(
        gettext_noop(
            "Enter an 11-digit mobile number or a landline with its area code, e.g. 010-12345678."
        )
    )


def mask_resident_id(number: str) -> str:
    """1101********1234: enough to recognise a customer, not enough to impersonate them."""
    if not number:
        return ""
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def phone_shown_tail(phone: str) -> str:
    """The last four digits that mask_phone leaves in clear (none for a short number)."""
    if not phone or len(phone) <= 7:
        return ""
    return phone[-4:]


def mask_phone(phone: str) -> str:
    if not phone:
        return ""
    if len(phone) <= 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone_shown_tail(phone)
