"""Exposure by each of the five classes over time: the nightly snapshot keeps every class's
exposure, the migration that added the columns derives them for earlier snapshots where the
dated history allows (and leaves them unknown where it does not), and the dashboard's chart
stacks the five classes, with a gap where a date's split is unknown."""

import datetime as dt
import importlib
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.urls import reverse

from dashboards.models import CLASS_COLUMNS, PortfolioSnapshot
from dashboards.services import portfolio_snapshot
from tests.dashboards.test_charts import chart_data

DAY = dt.date(2025, 6, 1)
CLASS_FIELDS = list(CLASS_COLUMNS.values())


def classes_of(snapshot) -> list[Decimal | None]:
    return [getattr(snapshot, field) for field in CLASS_FIELDS]


def backfill_sql() -> str:
    """The SQL the migration runs over the snapshots taken before it (found by its name, which
    stays when migrations are renumbered)."""
    (path,) = Path(settings.BASE_DIR, "dashboards", "migrations").glob(
        "*_snapshot_exposure_by_class.py"
    )
    return importlib.import_module(f"dashboards.migrations.{path.stem}").BACKFILL


def test_the_nightly_snapshot_keeps_the_exposure_of_each_class(alice, charlie, book):
    assert portfolio_snapshot(on=DAY) > 0
    north = PortfolioSnapshot.objects.get(taken_on=DAY, officer=alice)
    # alice's current 60,000 loan is normal; the risky 120,000 one, 111 days past due, is
    # substandard.
    assert classes_of(north) == [
        Decimal("60000.00"),
        Decimal("0.00"),
        Decimal("120000.00"),
        Decimal("0.00"),
        Decimal("0.00"),
    ]
    assert sum(classes_of(north)) == north.exposure
    south = PortfolioSnapshot.objects.get(taken_on=DAY, officer=charlie)
    assert classes_of(south) == [Decimal("30000.00")] + [Decimal("0.00")] * 4
    # Nothing changed: the rerun writes nothing.
    assert portfolio_snapshot(on=DAY) == 0


def test_a_snapshot_without_its_split_gets_it_on_the_next_run_of_the_day(alice, book):
    portfolio_snapshot(on=DAY)
    PortfolioSnapshot.objects.filter(taken_on=DAY).update(**dict.fromkeys(CLASS_FIELDS))
    assert portfolio_snapshot(on=DAY) > 0
    north = PortfolioSnapshot.objects.get(taken_on=DAY, officer=alice)
    assert classes_of(north)[2] == Decimal("120000.00")


def test_the_migration_derives_earlier_snapshots_from_the_history_where_it_can(
    alice, bob, charlie, book
):
    portfolio_snapshot(on=DAY)
    # As the migration finds them: snapshots without a split, an earlier one among them, one
    # whose book the history cannot explain (200,000 that night, where alice's customers'
    # loans then came to 180,000: a customer since moved to another officer), and an empty
    # book.
    PortfolioSnapshot.objects.update(**dict.fromkeys(CLASS_FIELDS))
    earlier = PortfolioSnapshot.objects.create(
        taken_on=dt.date(2025, 5, 20),
        officer=alice,
        branch=alice.branch,
        customers=2,
        loans=2,
        exposure=Decimal("180000.00"),
        npl_exposure=Decimal("0.00"),
    )
    unknown = PortfolioSnapshot.objects.create(
        taken_on=dt.date(2025, 5, 25),
        officer=alice,
        branch=alice.branch,
        customers=3,
        loans=3,
        exposure=Decimal("200000.00"),
        npl_exposure=Decimal("0.00"),
    )
    empty = PortfolioSnapshot.objects.create(
        taken_on=DAY, officer=bob, branch=bob.branch, customers=0, loans=0, exposure=0
    )
    with connection.cursor() as cursor:
        cursor.execute(backfill_sql())
    north = PortfolioSnapshot.objects.get(taken_on=DAY, officer=alice)
    assert classes_of(north) == [
        Decimal("60000.00"),
        Decimal("0.00"),
        Decimal("120000.00"),
        Decimal("0.00"),
        Decimal("0.00"),
    ]
    south = PortfolioSnapshot.objects.get(taken_on=DAY, officer=charlie)
    assert classes_of(south) == [Decimal("30000.00")] + [Decimal("0.00")] * 4
    # On 20 May the risky loan was special mention (its class since 1 April) and the current
    # one normal (never changed since).
    earlier.refresh_from_db()
    assert classes_of(earlier) == [
        Decimal("60000.00"),
        Decimal("120000.00"),
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("0.00"),
    ]
    unknown.refresh_from_db()
    assert classes_of(unknown) == [None] * 5
    empty.refresh_from_db()
    assert classes_of(empty) == [Decimal("0.00")] * 5


def test_the_chart_stacks_the_five_classes_with_a_gap_where_unknown(client_for, alice, mary, book):
    portfolio_snapshot(on=DAY)
    # An earlier date whose snapshot has no split: drawn as a gap.
    PortfolioSnapshot.objects.create(
        taken_on=dt.date(2025, 5, 1),
        officer=alice,
        branch=alice.branch,
        loans=1,
        exposure=Decimal("120000.00"),
    )
    response = client_for(mary).get(
        reverse("dashboards:dashboard"), {"start": "2025-05-01", "end": "2025-06-01"}
    )
    exposure = chart_data(response.content.decode(), "plot-exposure-trend")
    assert exposure["kind"] == "area" and exposure["stacked"] is True
    assert exposure["unit"] == "money"
    assert exposure["categories"] == ["2025-05-01", "2025-06-01"]
    assert {one["name"]: one["values"] for one in exposure["series"]} == {
        "Normal": [None, "60000.00"],
        "Special mention": [None, "0.00"],
        "Substandard": [None, "120000.00"],
        "Doubtful": [None, "0.00"],
        "Loss": [None, "0.00"],
    }
    # Best at the bottom of the stack, each class in its own colour.
    assert [one["colour"] for one in exposure["series"]] == [
        "success",
        "info",
        "warning",
        "danger",
        "secondary",
    ]


def test_a_date_with_one_officers_split_unknown_is_a_gap_not_a_partial_sum(
    client_for, alice, bob, mary, book
):
    portfolio_snapshot(on=DAY)
    PortfolioSnapshot.objects.create(
        taken_on=DAY, officer=bob, branch=bob.branch, loans=1, exposure=Decimal("5000.00")
    )
    response = client_for(mary).get(
        reverse("dashboards:dashboard"), {"start": "2025-06-01", "end": "2025-06-01"}
    )
    exposure = chart_data(response.content.decode(), "plot-exposure-trend")
    assert all(one["values"] == [None] for one in exposure["series"])


def test_the_chart_names_the_classes_in_chinese(client_for, mary, book):
    portfolio_snapshot(on=DAY)
    mary.language = "zh-hans"
    mary.save(update_fields=["language"])
    response = client_for(mary).get(
        reverse("dashboards:dashboard"), {"start": "2025-06-01", "end": "2025-06-01"}
    )
    exposure = chart_data(response.content.decode(), "plot-exposure-trend")
    assert [one["name"] for one in exposure["series"]] == ["正常", "关注", "次级", "可疑", "损失"]
