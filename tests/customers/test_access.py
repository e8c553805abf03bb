"""Who may reach each customer page: the owner, the branch manager and head office; never
a colleague's or another branch's officer (404), and read-only roles cannot write (403)."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent


def customer_urls(customer, follow_up, complaint):
    pk = customer.pk
    return {
        "get": [
            reverse("customers:detail", args=[pk]),
            reverse("customers:edit", args=[pk]),
            reverse("customers:contact-add", args=[pk]),
            reverse("customers:needs-add", args=[pk]),
            reverse("customers:interaction-add", args=[pk]),
            reverse("customers:follow-up-add", args=[pk]),
            reverse("customers:complaint-add", args=[pk]),
            reverse("customers:complaint-update", args=[pk, complaint.pk]),
            reverse("customers:survey-add", args=[pk]),
        ],
        "post": [
            reverse("customers:reveal", args=[pk]),
            reverse("customers:follow-up-complete", args=[pk, follow_up.pk]),
            reverse("customers:follow-up-cancel", args=[pk, follow_up.pk]),
            reverse("customers:interaction-add", args=[pk]),
            reverse("customers:edit", args=[pk]),
        ],
    }


@pytest.mark.parametrize("outsider", ["bob", "charlie"])
def test_other_officers_get_404_everywhere(
    client_for, cast, alices_customer, alices_follow_up, alices_complaint, outsider
):
    client = client_for(cast[outsider])
    urls = customer_urls(alices_customer, alices_follow_up, alices_complaint)
    for url in urls["get"]:
        assert client.get(url).status_code == 404, url
    for url in urls["post"]:
        assert client.post(url, {"summary": "x", "channel": "phone"}).status_code == 404, url
    alices_follow_up.refresh_from_db()
    assert alices_follow_up.status == "open"
    assert not AuditEvent.objects.filter(action="customers.customer.identifier_revealed").exists()


def test_other_branch_manager_gets_404(client_for, cast, charlies_customer):
    response = client_for(cast["mary"]).get(
        reverse("customers:detail", args=[charlies_customer.pk])
    )
    assert response.status_code == 404


def test_follow_up_of_another_customer_is_404_even_with_a_visible_customer(
    client_for, alice, alices_customer, charlies_customer, charlie
):
    from django.utils import timezone

    from customers.models import FollowUp

    other = FollowUp.objects.create(
        customer=charlies_customer, owner=charlie, purpose="x", due_on=timezone.localdate()
    )
    response = client_for(alice).post(
        reverse("customers:follow-up-complete", args=[alices_customer.pk, other.pk])
    )
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.status == "open"


@pytest.mark.parametrize("username", ["alice", "mary", "rita", "admin"])
def test_owner_manager_and_head_office_see_the_customer(
    client_for, cast, alices_customer, username
):
    response = client_for(cast[username]).get(
        reverse("customers:detail", args=[alices_customer.pk])
    )
    assert response.status_code == 200
    assert "王小明" in response.content.decode()


def test_risk_officer_reads_but_cannot_write(client_for, rita, alices_customer, alices_follow_up):
    client = client_for(rita)
    assert client.get(reverse("customers:edit", args=[alices_customer.pk])).status_code == 403
    assert client.get(reverse("customers:create")).status_code == 403
    response = client.post(
        reverse("customers:follow-up-complete", args=[alices_customer.pk, alices_follow_up.pk])
    )
    assert response.status_code == 403
    assert client.post(reverse("customers:reveal", args=[alices_customer.pk])).status_code == 403


def test_viewing_a_customer_is_audited(client_for, mary, alices_customer):
    client_for(mary).get(reverse("customers:detail", args=[alices_customer.pk]))
    assert AuditEvent.objects.filter(
        action="customers.customer.viewed", actor=mary, object_id=str(alices_customer.pk)
    ).exists()


def test_list_and_search_show_only_what_is_in_scope(
    client_for, alice, charlie, mary, alices_customer, charlies_customer
):
    page = client_for(alice).get(reverse("customers:list")).content.decode()
    assert "王小明" in page and "赵南方" not in page
    search = client_for(charlie).get(reverse("customers:list"), {"q": "王小明"})
    assert search.context["customers"] == []
    assert "No customer matches these filters." in search.content.decode()
    manager_page = client_for(mary).get(reverse("customers:list")).content.decode()
    assert "王小明" in manager_page and "赵南方" not in manager_page


def test_exports_respect_scope(client_for, charlie, alices_customer, charlies_customer):
    response = client_for(charlie).get(reverse("customers:export", args=["csv"]))
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "赵南方" in body
    assert "王小明" not in body
