"""The dashboard's period filter: a period that ends before it starts is refused (400) with
the message next to its end date, and no figures are drawn for dates not asked for."""

import re

import pytest
from django.urls import reverse

from dashboards.models import ActivityFigures


def field_error(page: str, name: str) -> str:
    match = re.search(rf'<div id="id_{name}_error" class="invalid-feedback">(.*?)</div>', page)
    return match.group(1) if match else ""


def test_a_period_ending_before_it_starts_is_refused_next_to_its_end(client_for, mary, book):
    response = client_for(mary).get(
        reverse("dashboards:dashboard"), {"start": "2025-06-01", "end": "2025-04-01"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "The period ends before it starts." in field_error(page, "end")
    assert not field_error(page, "start")
    # The dates typed come back in the filter, and no figure, table or chart is drawn.
    assert 'value="2025-06-01"' in page and 'value="2025-04-01"' in page
    assert 'data-testid="filter-errors"' in page
    assert 'data-testid="league"' not in page and 'data-testid="matrix"' not in page
    assert not ActivityFigures.objects.exists()


def test_a_start_after_the_business_date_without_an_end_is_refused(client_for, mary, book):
    response = client_for(mary).get(reverse("dashboards:dashboard"), {"start": "2025-06-02"})
    assert response.status_code == 400
    assert "The period starts after the business date, 2025-06-01." in field_error(
        response.content.decode(), "start"
    )


@pytest.mark.parametrize(
    "period",
    [
        {"start": "2025-04-01", "end": "2025-04-01"},
        {"start": "2025-04-01", "end": "2025-06-01"},
        {"start": "2025-04-01"},
        {"end": "2025-04-01"},
    ],
)
def test_a_period_in_order_is_drawn(client_for, mary, book, period):
    response = client_for(mary).get(reverse("dashboards:dashboard"), period)
    assert response.status_code == 200
    assert 'data-testid="matrix"' in response.content.decode()


def test_an_unreadable_date_is_refused_too(client_for, rita, book):
    response = client_for(rita).get(reverse("dashboards:dashboard"), {"end": "2025-02-30"})
    assert response.status_code == 400
    assert field_error(response.content.decode(), "end")
