import datetime as dt

import pytest

from customers.identifiers import (
    IdentifierError,
    mask_phone,
    mask_resident_id,
    normalize_phone,
    parse_credit_code,
    parse_resident_id,
)

# Published examples with correct check characters.
VALID_ID = "11010519491231002X"
VALID_CREDIT_CODE = "91350100M000100Y43"


def test_valid_resident_id_gives_birth_date_and_gender():
    number, birth, gender = parse_resident_id(" 11010519491231002x ")
    assert number == VALID_ID
    assert birth == dt.date(1949, 12, 31)
    assert gender == "F"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("110105194912310021", "check digit"),
        ("11010519491331002X", "not a real date"),
        ("11010530491231002X", "not plausible"),
        ("1101051949123100", "18 characters"),
        ("1101051949123100AX", "17 digits"),
    ],
)
def test_bad_resident_ids_say_what_is_wrong(value, message):
    with pytest.raises(IdentifierError, match=message):
        parse_resident_id(value, today=dt.date(2026, 11, 28))


def test_valid_credit_code():
    assert parse_credit_code("91350100m000100y43") == VALID_CREDIT_CODE


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("91350100M000100Y44", "check character"),
        ("91350100M000100Y4", "18 characters"),
        ("91350100M000100I43", "except I, O, S, V"),
    ],
)
def test_bad_credit_codes_say_what_is_wrong(value, message):
    with pytest.raises(IdentifierError, match=message):
        parse_credit_code(value)


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("138 0013 8000", "13800138000"),
        ("+8613800138000", "13800138000"),
        ("010-12345678", "010-12345678"),
        ("0755 8888 8888", "075588888888"),
    ],
)
def test_phone_numbers_are_normalised(raw, normal):
    assert normalize_phone(raw) == normal


@pytest.mark.parametrize("raw", ["12345", "23800138000", "phone"])
def test_bad_phone_numbers_are_refused(raw):
    with pytest.raises(IdentifierError):
        normalize_phone(raw)


def test_masking_keeps_only_the_ends():
    assert mask_resident_id(VALID_ID) == "1101**********002X"
    assert mask_phone("13800138000") == "138****8000"
