"""The dashboard's activity figures (alerts, pipeline, customers, relationship, league table)
are kept per scope and comparison date for a few minutes, refreshed by Celery ahead of the
managers' views: the page is fast at a million loans and still says how old they are."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboards import activity, selectors
from dashboards.models import ActivityFigures
from dashboards.tasks import refresh_activity_figures
from tests.customers import factories

pytestmark = pytest.mark.django_db


def customers_shown(client) -> int:
    return client.get(reverse("dashboards:dashboard")).context["portfolio"]["customers"]


def test_figures_are_kept_then_refreshed_on_request_or_when_old(client_for, mary, alice, book):
    client = client_for(mary)
    assert customers_shown(client) == 2
    factories.individual(alice, name="新客户")
    # Within the allowed age the kept figures are shown, with the moment they were computed.
    response = client.get(reverse("dashboards:dashboard"))
    assert response.context["portfolio"]["customers"] == 2
    kept = ActivityFigures.objects.get()
    assert response.context["figures_at"] == kept.computed_at
    assert (
        kept.computed_at.astimezone(timezone.get_current_timezone()).strftime("%Y-%m-%d %H:%M")
        in response.content.decode()
    )
    # "Refresh now" recomputes them.
    assert (
        client.get(reverse("dashboards:dashboard"), {"refresh": "1"}).context["portfolio"][
            "customers"
        ]
        == 3
    )
    factories.individual(alice, name="又一个客户")
    # Older than DASHBOARD_FIGURES_MAX_AGE: computed again on the next view.
    ActivityFigures.objects.update(computed_at=timezone.now() - dt.timedelta(minutes=11))
    assert customers_shown(client) == 4


def test_kept_figures_equal_the_live_ones(mary, book):
    scope = selectors.Scope(user=mary)
    today, compare = book["day"], book["day"] - dt.timedelta(days=30)
    live, _at = activity.figures_for(scope, today=today, compare=compare)
    kept, _at = activity.figures_for(scope, today=today, compare=compare)
    assert ActivityFigures.objects.count() == 1
    assert kept == live
    assert isinstance(kept["league"][0]["exposure"], Decimal)
    assert kept["league"][0]["officer"].username in {"alice", "bob"}
    assert kept["pipeline"]["approval_rate"] == Decimal("1.0000")


def test_one_officers_figures_never_reach_another(client_for, alice, bob, charlie, book):
    assert customers_shown(client_for(alice)) == 2
    # bob and charlie have scopes of their own: their figures are their own, not alice's kept.
    assert customers_shown(client_for(bob)) == 0
    assert customers_shown(client_for(charlie)) == 1
    assert set(ActivityFigures.objects.values_list("key", flat=True)) == {
        f"officer:{user.pk}|2025-06-01|2025-05-02" for user in (alice, bob, charlie)
    }


def test_a_branch_manager_and_head_office_filtered_to_the_branch_share_figures(
    client_for, mary, rita, charlie, book
):
    client_for(mary).get(reverse("dashboards:dashboard"))
    filtered = client_for(rita).get(reverse("dashboards:dashboard"), {"branch": mary.branch_id})
    assert ActivityFigures.objects.count() == 1
    assert filtered.context["portfolio"]["customers"] == 2
    # The other branch, and the whole bank, are figures of their own.
    south = client_for(rita).get(reverse("dashboards:dashboard"), {"branch": charlie.branch_id})
    assert south.context["portfolio"]["customers"] == 1
    assert customers_shown(client_for(rita)) == 3


def test_beat_task_computes_the_bank_and_every_branch_ahead(
    client_for, mary, rita, book, django_assert_max_num_queries
):
    from accounts.models import Branch

    ActivityFigures.objects.create(
        key="bank|2025-05-01|2025-04-01",
        computed_at=timezone.now() - dt.timedelta(days=2),
        figures={},
    )
    assert refresh_activity_figures() == 1 + Branch.objects.count()
    keys = set(ActivityFigures.objects.values_list("key", flat=True))
    assert keys == {"bank|2025-06-01|2025-05-02"} | {
        f"branch:{pk}|2025-06-01|2025-05-02" for pk in Branch.objects.values_list("pk", flat=True)
    }
    # The manager's first view of the day reads them: no alert, pipeline or league query
    # (the tenth is the trend charts' one grouped query over the snapshots; the provision
    # cards read the setting, the loans' provisions and the undrawn facilities' provisions,
    # three queries, and the concentration card the capital, the limits and the top
    # exposures, three: none per row).
    client = client_for(mary)
    client.get(reverse("customers:list"))  # the session's first request renews it
    with django_assert_max_num_queries(16):
        response = client.get(reverse("dashboards:dashboard"))
    assert response.context["portfolio"]["customers"] == 2
    assert customers_shown(client_for(rita)) == 3


def test_bad_refresh_value_is_ignored(client_for, mary, book):
    client = client_for(mary)
    client.get(reverse("dashboards:dashboard"))
    computed_at = ActivityFigures.objects.get().computed_at
    response = client.get(reverse("dashboards:dashboard"), {"refresh": "<script>"})
    assert response.status_code == 200
    # Only refresh=1 recomputes: the kept figures are served as they were.
    assert response.context["figures_at"] == computed_at
    assert ActivityFigures.objects.get().computed_at == computed_at
