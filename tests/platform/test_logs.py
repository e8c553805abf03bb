"""Log lines are JSON and never carry a resident ID or a phone number in clear."""

import json
import logging

from crm_site.logs import JsonFormatter, mask_personal_data


def record(message: str, *args, **extra) -> logging.LogRecord:
    entry = logging.makeLogRecord({"msg": message, "args": args, "levelname": "INFO"})
    entry.__dict__.update(extra)
    return entry


def test_identifiers_are_masked_wherever_they_appear_in_a_line():
    line = JsonFormatter().format(
        record(
            "looked up %s",
            "11010119850615002X",
            phone="13800138000",
            sql_params=["+8613912345678", 42],
        )
    )
    entry = json.loads(line)
    assert entry["message"] == "looked up 110101********002X"
    assert entry["phone"] == "138****8000"
    assert "13912345678" not in line
    assert "11010119850615002X" not in line


def test_a_traceback_with_identifiers_is_masked_too():
    try:
        raise ValueError("duplicate key (resident_id)=(11010119850615002X)")
    except ValueError:
        import sys

        entry = record("failed")
        entry.exc_info = sys.exc_info()
    line = JsonFormatter().format(entry)
    assert "11010119850615002X" not in line
    assert "110101********002X" in line


def test_other_numbers_are_left_alone():
    text = "loan 1234567 of 250000.00 yuan, reference 20261201000123456789"
    assert mask_personal_data(text) == text
