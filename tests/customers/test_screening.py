"""Watch-list screening: importing a list, matching customers by ID number and by name, and
rescreening the book without ever raising a hit twice (customers/screening.py)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEvent, OutboxMessage
from customers import importer, screening, tasks
from customers.models import HitStatus, ScreeningHit, WatchList, WatchListEntry
from tests.customers import factories

HEADER = "reference,name,aliases,id_numbers,birth_date,source,list_date\n"


def list_file(*lines: str, header: str = HEADER) -> bytes:
    return (header + "".join(f"{line}\n" for line in lines)).encode()


def import_list(actor, *lines: str):
    return screening.watch_list_import(
        actor=actor, listed=screening.read_list(list_file(*lines), "list.csv")
    )


def born(day: dt.date) -> dict:
    """The birth date with a resident ID that carries it (the model checks they agree)."""
    return {"birth_date": day, "resident_id": factories.resident_id(day)}


def rescreen_book() -> int:
    """The Celery chunk task over every id, as the fan-out would send it."""
    return tasks.screen_customers_chunk(1, 10**9)


@pytest.fixture
def cora(cast):
    return cast["cora"]


def test_an_import_creates_the_list_and_its_entries_keyed_and_masked(cora):
    result = import_list(
        cora,
        "UN-1,張偉,Zhang Wei|张 伟,110101198506150011|X1234567,1985-06-15,UN,2026-10-01",
        "UN-2,Acme Trading Ltd,,,,UN,2026-10-01",
    )
    watch_list = WatchList.objects.get(source="UN")
    assert (result.created, result.updated, result.delisted) == (2, 0, 0)
    assert watch_list.list_date == dt.date(2026, 10, 1) and watch_list.entry_count == 2
    entry = WatchListEntry.objects.get(reference="UN-1")
    assert entry.name_keys == ["张伟", "zhangwei"]
    # No ID number is kept in clear: keyed hashes to match, tails to show.
    assert entry.masked_ids == ["****0011", "****4567"]
    assert "110101198506150011" not in str(entry.id_hashes)
    assert AuditEvent.objects.filter(
        action="customers.watch_list.imported", object_id=str(watch_list.pk), actor=cora
    ).exists()


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["UN-1,,,,,UN,2026-10-01"], "Line 2, name: this column is required."),
        (["UN-1,张伟,,,1985-13-40,UN,2026-10-01"], "Line 2, birth_date"),
        (["UN-1,张伟,,,,UN,2026-10-01", "UN-2,李明,,12-34,,UN,2026-10-01"], "Line 3, id_numbers"),
        (["UN-1,张伟,,,,UN,2026-10-01", "UN-1,李明,,,,UN,2026-10-01"], "Line 3, reference"),
        (["UN-1,张伟,,,,UN,2026-10-01", "UN-2,李明,,,,OFAC,2026-10-01"], "Line 3, source"),
        (["UN-1,张伟,,,,UN,2026-10-01", "UN-2,李明,,,,UN,2026-10-02"], "Line 3, list_date"),
        (["UN-1,·—,,,,UN,2026-10-01"], "Line 2, name: the name has no letters"),
    ],
)
def test_a_malformed_file_is_refused_with_its_line_and_nothing_is_written(cora, lines, message):
    with pytest.raises(screening.ImportFileError) as refusal:
        import_list(cora, *lines)
    assert message in str(refusal.value)
    assert not WatchList.objects.exists() and not WatchListEntry.objects.exists()


def test_a_file_with_unknown_columns_is_refused_whole(cora):
    with pytest.raises(screening.ImportFileError, match="Unknown columns: nationality"):
        screening.read_list(
            list_file(
                "UN-1,张伟,UN,2026-10-01,CN", header="reference,name,source,list_date,nationality\n"
            ),
            "list.csv",
        )


def test_only_compliance_and_admins_import_lists(alice, mary, cora, admin_user):
    listed = screening.read_list(list_file("UN-1,张伟,,,,UN,2026-10-01"), "list.csv")
    for outsider in (alice, mary):
        with pytest.raises(PermissionDenied):
            screening.watch_list_import(actor=outsider, listed=listed)
    assert not WatchList.objects.exists()
    screening.watch_list_import(actor=admin_user, listed=listed)
    assert WatchListEntry.objects.count() == 1


def test_reimporting_the_same_version_changes_nothing_and_a_new_version_replaces_it(cora):
    first = "UN-1,张伟,,,1985-06-15,UN,2026-10-01"
    import_list(cora, first, "UN-2,李明,,,,UN,2026-10-01")
    again = import_list(cora, first, "UN-2,李明,,,,UN,2026-10-01")
    assert (again.created, again.updated, again.delisted, again.unchanged) == (0, 0, 0, 2)
    assert WatchListEntry.objects.count() == 2
    # The next version drops UN-2 and renames UN-1: updated and delisted, never duplicated.
    newer = import_list(cora, "UN-1,张伟强,,,1985-06-15,UN,2026-11-01")
    assert (newer.created, newer.updated, newer.delisted) == (0, 1, 1)
    assert WatchListEntry.objects.get(reference="UN-1").name == "张伟强"
    assert WatchListEntry.objects.get(reference="UN-2").delisted_on == dt.date(2026, 11, 1)
    assert WatchList.objects.get().list_date == dt.date(2026, 11, 1)


def test_an_older_version_than_the_imported_one_is_refused(cora):
    import_list(cora, "UN-1,张伟,,,,UN,2026-10-01")
    with pytest.raises(ValidationError, match="older version"):
        import_list(cora, "UN-1,李明,,,,UN,2026-09-01")
    assert WatchListEntry.objects.get().name == "张伟"


def test_an_import_that_changes_entries_queues_the_rescreen_of_the_book(
    cora, django_capture_on_commit_callbacks
):
    import_list(cora, "UN-1,张伟,,,,UN,2026-10-01")
    assert OutboxMessage.objects.filter(task="customers.screen_all_customers").count() == 1
    import_list(cora, "UN-1,张伟,,,,UN,2026-10-01")
    assert OutboxMessage.objects.filter(task="customers.screen_all_customers").count() == 1


def test_an_id_number_matches_whatever_the_name_through_the_blind_index(alice, cora):
    number = factories.resident_id(dt.date(1979, 3, 2))
    customer = factories.individual(alice, name="王小明", resident_id=number)
    enterprise = factories.enterprise(alice, name="华盛制造有限公司")
    other = factories.individual(alice, name="王小明")
    import_list(
        cora,
        f"UN-1,Someone Else,,{number.lower()},,UN,2026-10-01",
        f"UN-2,Another Name,,{enterprise.credit_code},,UN,2026-10-01",
    )
    assert rescreen_book() == 2
    hits = {(hit.customer_id, hit.matched_on) for hit in ScreeningHit.objects.all()}
    assert hits == {(customer.pk, "id_number"), (enterprise.pk, "id_number")}
    assert not ScreeningHit.objects.filter(customer=other).exists()


def test_names_match_across_scripts_and_aliases_and_dates_of_birth_narrow_them(alice, cora):
    same_birth = factories.individual(alice, name="张伟", **born(dt.date(1985, 6, 15)))
    other_birth = factories.individual(alice, name="張 偉", **born(dt.date(1990, 1, 1)))
    by_alias = factories.individual(alice, name="ＺＨＡＮＧ　ＷＥＩ", **born(dt.date(1985, 6, 15)))
    company = factories.enterprise(alice, name="Acme Trading Ltd")
    import_list(
        cora,
        "UN-1,張偉,Zhang Wei,,1985-06-15,UN,2026-10-01",
        "UN-2,ACME trading ltd.,,,,UN,2026-10-01",
    )
    rescreen_book()
    hits = {(hit.customer_id, hit.matched_on) for hit in ScreeningHit.objects.all()}
    # other_birth has the listed name but another date of birth: not the listed person.
    assert hits == {(same_birth.pk, "name"), (by_alias.pk, "alias"), (company.pk, "name")}
    assert other_birth.pk not in {customer for customer, _kind in hits}


def test_a_name_matches_when_only_one_side_has_a_date_of_birth(alice, cora):
    customer = factories.individual(alice, name="李明", **born(dt.date(1970, 1, 1)))
    import_list(cora, "UN-1,李明,,,,UN,2026-10-01")
    assert rescreen_book() == 1
    assert ScreeningHit.objects.get().customer == customer


def test_rescreening_is_idempotent_and_keeps_the_status_of_worked_hits(alice, cora):
    customer = factories.individual(alice, name="李明")
    import_list(cora, "UN-1,李明,,,,UN,2026-10-01")
    assert rescreen_book() == 1
    hit = ScreeningHit.objects.get()
    screening.hit_confirm(actor=cora, hit=hit, note="Same person, passport checked")
    assert rescreen_book() == 0
    assert rescreen_book() == 0
    # A re-import of the same version, then a rescreen: still one hit, still confirmed.
    import_list(cora, "UN-1,李明,,,,UN,2026-10-01")
    assert rescreen_book() == 0
    assert list(ScreeningHit.objects.values_list("customer", "status")) == [
        (customer.pk, HitStatus.CONFIRMED)
    ]
    raised = AuditEvent.objects.filter(action="customers.screening_hit.raised")
    assert raised.count() == 1 and raised.get().object_id == str(hit.pk)


def test_a_delisted_entry_matches_nobody_new(alice, cora):
    import_list(cora, "UN-1,李明,,,,UN,2026-10-01", "UN-2,王芳,,,,UN,2026-10-01")
    import_list(cora, "UN-2,王芳,,,,UN,2026-11-01")
    factories.individual(alice, name="李明")
    assert rescreen_book() == 0


def test_a_new_customer_is_screened_when_created(alice, cora):
    import_list(cora, "UN-1,張偉,,,,UN,2026-10-01")
    customer = factories.individual(alice, name="张伟")
    hit = ScreeningHit.objects.get(customer=customer)
    assert (hit.status, hit.matched_on) == (HitStatus.OPEN, "name")
    assert AuditEvent.objects.filter(
        action="customers.screening_hit.raised", object_id=str(hit.pk)
    ).exists()


def test_customers_imported_from_a_file_are_screened(alice, cora):
    import_list(cora, "UN-1,陳國強,,,,UN,2026-10-01")
    rows = [
        {
            "kind": "individual",
            "name": "陈国强",
            "resident_id": factories.resident_id(),
            "officer": "alice",
        }
    ]
    report = importer.import_customers(actor=alice, rows=rows, strict=True)
    assert report.created == 1
    assert ScreeningHit.objects.get().customer.name == "陈国强"
