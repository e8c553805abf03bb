"""An empty watch list is refused by the import service with a clear message, nothing written
(customers.screening.watch_list_import)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from customers import screening
from customers.models import WatchList, WatchListEntry


def _listed(*references: str) -> screening.ListFile:
    return screening.ListFile(
        source="UN",
        list_date=dt.date(2026, 10, 1),
        entries=[
            screening.ListedEntry(
                reference=reference,
                name=f"Listed Person {reference}",
                aliases=[],
                id_numbers=[],
                birth_date=None,
            )
            for reference in references
        ],
    )


def test_a_list_with_no_entries_is_refused_and_writes_nothing(cast):
    with pytest.raises(ValidationError) as refused:
        screening.watch_list_import(actor=cast["cora"], listed=_listed())
    assert "has no entries" in refused.value.messages[0]
    assert not WatchList.objects.exists()
    assert not AuditEvent.objects.filter(action="customers.watch_list.imported").exists()


def test_an_empty_version_never_delists_an_imported_list(cast):
    screening.watch_list_import(actor=cast["cora"], listed=_listed("UN-1", "UN-2"))
    with pytest.raises(ValidationError):
        screening.watch_list_import(actor=cast["cora"], listed=_listed())
    assert WatchListEntry.objects.filter(delisted_on__isnull=True).count() == 2
    assert WatchList.objects.get(source="UN").entry_count == 2
