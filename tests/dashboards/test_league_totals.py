"""The officer league table ends with a totals row: the figures of every officer in the
table added up by the database (ratios of the summed parts), money right-aligned."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone


def totals_cells(page: str) -> list[str]:
    footer = re.search(r'<tfoot[^>]*data-testid="league-totals">(.*?)</tfoot>', page, re.S)
    assert footer, "the league table has no totals row"
    return re.findall(r'<td class="text-end">([^<]*)</td>', footer.group(1))


def test_the_head_office_league_table_totals_every_officer(client_for, rita, book):
    response = client_for(rita).get(reverse("dashboards:dashboard"), {"refresh": "1"})
    rows = response.context["league"]
    totals = response.context["league_totals"]
    assert {row["officer"].username for row in rows} >= {"alice", "bob", "charlie"}
    # alice's two loans (180,000, of which 120,000 overdue) and charlie's 30,000.
    assert totals["customers"] == 3 == sum(row["customers"] for row in rows)
    assert totals["exposure"] == Decimal("210000.00") == sum(row["exposure"] for row in rows)
    # The overdue ratio of the whole table, not the sum or mean of the officers' ratios.
    assert totals["overdue_ratio"] == Decimal("0.5714")
    assert totals["alerts_open"] == sum(row["alerts_open"] for row in rows) > 0
    assert totals["alerts_breached"] == sum(row["alerts_breached"] for row in rows)
    cells = totals_cells(response.content.decode())
    assert cells[:3] == ["3", "¥210,000.00", "57.14%"]
    assert cells[3] == str(totals["alerts_open"])


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_managers_totals_row_covers_the_branch_officers_only(client_for, mary, book, language):
    mary.language = language
    mary.save(update_fields=["language"])
    page = client_for(mary).get(reverse("dashboards:dashboard")).content.decode()
    # North: alice's 180,000 (120,000 overdue); charlie's South loan is not in mary's table.
    # Money and percentages read the same in both languages.
    assert totals_cells(page)[:3] == ["2", "¥180,000.00", "66.67%"]


def test_the_totals_row_is_kept_with_the_activity_figures(client_for, mary, book):
    client = client_for(mary)
    fresh = client.get(reverse("dashboards:dashboard"), {"refresh": "1"}).context
    kept = client.get(reverse("dashboards:dashboard")).context
    assert kept["league_totals"] == fresh["league_totals"]
    assert kept["league_totals"]["exposure"] == Decimal("180000.00")


def test_an_officers_contacts_with_customers_outside_the_branch_do_not_count(
    client_for, mary, book
):
    """A North officer's call to a South customer (a customer handed over since, say) is
    not North's work: the manager's league table counts the branch's customers' contacts."""
    from customers.models import Interaction

    alice = book["risky"].customer.officer
    when = timezone.make_aware(dt.datetime.combine(book["day"], dt.time(10)))
    for customer in (book["risky"].customer, book["south"].customer):
        Interaction.objects.create(
            customer=customer, officer=alice, channel="phone", summary="Called", occurred_at=when
        )
    response = client_for(mary).get(reverse("dashboards:dashboard"), {"refresh": "1"})
    rows = {row["officer"].username: row for row in response.context["league"]}
    assert rows["alice"]["interactions"] == 1
    assert response.context["league_totals"]["interactions"] == 1
