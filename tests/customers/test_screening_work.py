"""Compliance works the screening hits through the pages: the queue, a hit, the list import,
the badge on the customer 360; clearing a hit needs a second person (four eyes)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts import services as account_services
from accounts.models import Branch, Role
from audit.models import AuditEvent
from customers import screening
from customers.models import HitStatus, ScreeningHit, WatchListEntry
from tests.customers import factories
from tests.customers.test_screening import import_list, list_file


@pytest.fixture
def cora(cast):
    return cast["cora"]


@pytest.fixture
def colin(cast):
    """A second compliance officer, so a clearing can have its four eyes within compliance."""
    return account_services.user_create(
        actor=None,
        username="colin",
        password="a-long-test-password",
        role=Role.COMPLIANCE,
        branch=Branch.objects.get(code="HO"),
    )


@pytest.fixture
def alices_hit(alice, cora):
    import_list(cora, "UN-1,張偉,Zhang Wei,,,UN,2026-10-01")
    customer = factories.individual(alice, name="张伟")
    return ScreeningHit.objects.get(customer=customer)


@pytest.fixture
def charlies_hit(charlie, cora):
    import_list(cora, "UN-9,赵南方,,,,UN-SOUTH,2026-10-01")
    customer = factories.individual(charlie, name="赵南方")
    return ScreeningHit.objects.get(customer=customer)


def test_officers_and_risk_officers_do_not_see_the_compliance_queue(client_for, alice, rita):
    for user in (alice, rita):
        client = client_for(user)
        assert client.get(reverse("customers:screening-queue")).status_code == 403
        assert client.get(reverse("customers:screening-import")).status_code == 403


def test_compliance_sees_hits_of_every_branch_and_a_manager_only_their_branch(
    client_for, cora, mary, alices_hit, charlies_hit
):
    page = client_for(cora).get(reverse("customers:screening-queue"))
    assert page.status_code == 200
    assert {hit.pk for hit in page.context["hits"]} == {alices_hit.pk, charlies_hit.pk}
    page = client_for(mary).get(reverse("customers:screening-queue"))
    assert [hit.pk for hit in page.context["hits"]] == [alices_hit.pk]
    # The other branch's hit is not theirs to know of.
    assert (
        client_for(mary).get(reverse("customers:screening-hit", args=[charlies_hit.pk])).status_code
        == 404
    )


def test_an_officer_gets_403_on_a_hit_page_and_its_actions(client_for, alice, alices_hit):
    client = client_for(alice)
    assert client.get(reverse("customers:screening-hit", args=[alices_hit.pk])).status_code == 403
    response = client.post(
        reverse("customers:screening-hit-clearing", args=[alices_hit.pk]), {"reason": "no"}
    )
    assert response.status_code == 403
    alices_hit.refresh_from_db()
    assert alices_hit.status == HitStatus.OPEN


def test_the_hit_page_shows_the_matched_entry(client_for, cora, alices_hit):
    page = client_for(cora).get(reverse("customers:screening-hit", args=[alices_hit.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "張偉" in html and "Zhang Wei" in html and "UN-1" in html


def test_confirming_needs_one_compliance_officer_and_is_audited(client_for, cora, alices_hit):
    response = client_for(cora).post(
        reverse("customers:screening-hit-confirm", args=[alices_hit.pk]),
        {"note": "Same passport"},
    )
    assert response.status_code == 302
    alices_hit.refresh_from_db()
    assert (alices_hit.status, alices_hit.confirmed_by, alices_hit.note) == (
        HitStatus.CONFIRMED,
        cora,
        "Same passport",
    )
    event = AuditEvent.objects.get(action="customers.screening_hit.confirmed")
    assert (event.actor, event.before["status"], event.after["status"]) == (
        cora,
        "open",
        "confirmed",
    )


def test_clearing_is_proposed_by_one_and_approved_by_another(client_for, cora, colin, alices_hit):
    clearing_url = reverse("customers:screening-hit-clearing", args=[alices_hit.pk])
    decide_url = reverse("customers:screening-hit-decide", args=[alices_hit.pk])
    client = client_for(cora)
    # No reason: 400 with the message next to the field, and nothing changes.
    response = client.post(clearing_url, {"reason": "  "})
    assert response.status_code == 400
    assert "reason" in response.context["clearing_form"].errors
    alices_hit.refresh_from_db()
    assert alices_hit.status == HitStatus.OPEN

    response = client.post(clearing_url, {"reason": "Different birth date on the passport"})
    assert response.status_code == 302
    alices_hit.refresh_from_db()
    assert alices_hit.status == HitStatus.CLEARING_PROPOSED
    # The proposer cannot approve their own clearing: no button, and the POST is refused.
    page = client.get(reverse("customers:screening-hit", args=[alices_hit.pk]))
    assert page.context["can_decide"] is False
    assert client.post(decide_url, {"decision": "approve"}).status_code == 403
    alices_hit.refresh_from_db()
    assert alices_hit.status == HitStatus.CLEARING_PROPOSED and alices_hit.cleared_by is None

    client = client_for(colin)
    assert client.get(reverse("customers:screening-hit", args=[alices_hit.pk])).context[
        "can_decide"
    ]
    assert client.post(decide_url, {"decision": "approve"}).status_code == 302
    alices_hit.refresh_from_db()
    assert (alices_hit.status, alices_hit.clear_proposed_by, alices_hit.cleared_by) == (
        HitStatus.CLEARED,
        cora,
        colin,
    )
    actions = list(
        AuditEvent.objects.filter(
            object_type="customers.screeninghit", object_id=str(alices_hit.pk)
        )
        .order_by("id")
        .values_list("action", "actor__username")
    )
    assert actions == [
        ("customers.screening_hit.raised", None),
        ("customers.screening_hit.clearing_proposed", "cora"),
        ("customers.screening_hit.cleared", "colin"),
    ]


def test_the_branch_manager_may_approve_or_reject_a_clearing(client_for, cora, mary, alices_hit):
    screening.hit_clearing_propose(actor=cora, hit=alices_hit, reason="Other person")
    decide_url = reverse("customers:screening-hit-decide", args=[alices_hit.pk])
    client = client_for(mary)
    assert client.post(decide_url, {"decision": "maybe"}).status_code == 400
    assert client.post(decide_url, {"decision": "reject"}).status_code == 302
    alices_hit.refresh_from_db()
    assert (alices_hit.status, alices_hit.clear_proposed_by) == (HitStatus.OPEN, None)
    assert AuditEvent.objects.filter(
        action="customers.screening_hit.clearing_rejected", actor=mary
    ).exists()


def test_the_database_refuses_a_clearing_approved_by_its_proposer(cora, alices_hit):
    from django.db import IntegrityError, transaction

    alices_hit.status = HitStatus.CLEARED
    alices_hit.clear_proposed_by = alices_hit.cleared_by = cora
    with pytest.raises(IntegrityError), transaction.atomic():
        alices_hit.save()


def test_the_360_shows_the_screening_badge(client_for, alice, cora, alices_hit):
    page = client_for(alice).get(reverse("customers:detail", args=[alices_hit.customer_id]))
    assert "Watch list: hit under review" in page.content.decode()
    screening.hit_confirm(actor=cora, hit=alices_hit, note="")
    page = client_for(alice).get(reverse("customers:detail", args=[alices_hit.customer_id]))
    assert "Watch list: confirmed match" in page.content.decode()


def test_the_import_page_imports_a_list_and_refuses_a_bad_file_with_its_line(client_for, cora):
    client = client_for(cora)
    url = reverse("customers:screening-import")
    assert client.get(url).status_code == 200
    bad = list_file("UN-1,张伟,,,,UN,2026-10-01", "UN-2,李明,,,1985-02-30,UN,2026-10-01")
    response = client.post(url, {"file": SimpleUploadedFile("list.csv", bad)})
    assert response.status_code == 400
    assert "Line 3, birth_date" in " ".join(response.context["form"].errors["file"])
    assert not WatchListEntry.objects.exists()

    good = list_file("UN-1,张伟,,,,UN,2026-10-01")
    response = client.post(url, {"file": SimpleUploadedFile("list.csv", good)})
    assert response.status_code == 200
    assert response.context["result"].created == 1
    assert WatchListEntry.objects.get().name == "张伟"
    response = client.post(url, {"file": SimpleUploadedFile("list.txt", good)})
    assert response.status_code == 400


def test_the_queue_and_hit_page_query_counts(
    client_for, cora, alices_hit, charlies_hit, django_assert_num_queries
):
    client = client_for(cora)
    client.get(reverse("customers:screening-queue"))
    # session, user, the hits with their customer, branch, entry and list (one join), the
    # watch lists.
    with django_assert_num_queries(4):
        assert client.get(reverse("customers:screening-queue")).status_code == 200
    # session, user, the hit with everything it shows (one join).
    with django_assert_num_queries(3):
        assert (
            client.get(reverse("customers:screening-hit", args=[alices_hit.pk])).status_code == 200
        )
