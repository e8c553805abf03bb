import pytest
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from customers.models import Customer, OfficerTransfer, resident_id_digest
from tests.customers import factories


def test_officer_creates_an_individual_and_owns_it(client_for, alice):
    number = factories.resident_id()
    response = client_for(alice).post(
        reverse("customers:create") + "?kind=individual",
        {
            "kind": "individual",
            "name": "陈静",
            "resident_id": number.lower(),
            "phone": "139 0000 1111",
            "monthly_income": "8500.50",
            "occupation": "会计",
        },
    )
    assert response.status_code == 302
    customer = Customer.objects.get(resident_id_hash=resident_id_digest(number))
    assert customer.officer == alice and customer.branch == alice.branch
    assert customer.birth_date.isoformat() == "1985-06-15"
    assert customer.phone == "13900001111"
    assert customer.resident_id_tail == number[-4:]
    event = AuditEvent.objects.get(action="customers.customer.created")
    assert event.after["resident_id"] == customer.masked_identifier  # never in clear text


def test_bad_id_is_reported_next_to_the_field_and_nothing_is_saved(client_for, alice):
    response = client_for(alice).post(
        reverse("customers:create"),
        {"kind": "individual", "name": "陈静", "resident_id": "110105194912310021"},
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert "check digit" in form.errors["resident_id"][0]
    assert not Customer.objects.exists()


def test_birth_date_must_match_the_id(client_for, alice):
    response = client_for(alice).post(
        reverse("customers:create"),
        {
            "kind": "individual",
            "name": "陈静",
            "resident_id": factories.resident_id(),
            "birth_date": "1990-01-01",
        },
    )
    assert "does not match" in response.context["form"].errors["birth_date"][0]
    assert not Customer.objects.exists()


def test_duplicate_resident_id_is_refused(client_for, alice, alices_customer):
    response = client_for(alice).post(
        reverse("customers:create"),
        {"kind": "individual", "name": "另一个人", "resident_id": alices_customer.resident_id},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["resident_id"] == [
        "This resident ID cannot be registered. If the person is already a customer of the "
        "bank, their relationship manager has been told."
    ]
    assert Customer.objects.count() == 1


def test_enterprise_needs_a_valid_credit_code_and_industry(client_for, alice):
    response = client_for(alice).post(
        reverse("customers:create") + "?kind=enterprise",
        {"kind": "enterprise", "name": "鑫源商贸有限公司", "credit_code": "91350100M000100Y44"},
    )
    errors = response.context["form"].errors
    assert "check character" in errors["credit_code"][0]
    assert "industry" in errors
    assert not Customer.objects.exists()


def test_manager_creates_a_customer_for_an_officer_of_the_branch(client_for, mary, bob, charlie):
    client = client_for(mary)
    response = client.post(
        reverse("customers:create"),
        {
            "kind": "individual",
            "name": "刘洋",
            "resident_id": factories.resident_id(),
            "officer": charlie.pk,
        },
    )
    assert "officer" in response.context["form"].errors  # charlie is not in mary's branch
    response = client.post(
        reverse("customers:create"),
        {
            "kind": "individual",
            "name": "刘洋",
            "resident_id": factories.resident_id(),
            "officer": bob.pk,
        },
    )
    assert response.status_code == 302
    assert Customer.objects.get(name="刘洋").officer == bob


def test_edit_is_audited_with_before_and_after(client_for, alice, alices_customer):
    response = client_for(alice).post(
        reverse("customers:edit", args=[alices_customer.pk]),
        {
            "name": "王小明",
            "resident_id": alices_customer.resident_id,
            "phone": "13800138000",
            "monthly_income": "15000",
            "occupation": "校长",
        },
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="customers.customer.updated")
    assert event.before == {"occupation": "教师", "monthly_income": "12000.00"}
    assert event.after == {"occupation": "校长", "monthly_income": "15000.00"}


def test_names_are_escaped_not_executed(client_for, alice):
    factories.individual(alice, name='<script>alert("x")</script>')
    for url in (reverse("customers:list"), reverse("today")):
        page = client_for(alice).get(url).content.decode()
        assert '<script>alert("x")</script>' not in page
    customer = Customer.objects.get()
    page = client_for(alice).get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_identifiers_are_masked_until_revealed_and_reveal_is_audited(
    client_for, alice, alices_customer
):
    client = client_for(alice)
    page = client.get(reverse("customers:detail", args=[alices_customer.pk])).content.decode()
    assert alices_customer.resident_id not in page
    assert alices_customer.masked_identifier in page
    assert "13800138000" not in page
    without_reason = client.post(
        reverse("customers:reveal", args=[alices_customer.pk]), HTTP_HX_REQUEST="true"
    )
    assert without_reason.status_code == 400
    assert alices_customer.resident_id not in without_reason.content.decode()
    assert "Say why" in without_reason.content.decode() or "required" in (
        without_reason.content.decode()
    )
    assert not AuditEvent.objects.filter(action="customers.customer.identifier_revealed").exists()
    response = client.post(
        reverse("customers:reveal", args=[alices_customer.pk]),
        {"reason": "contract"},
        HTTP_HX_REQUEST="true",
    )
    assert alices_customer.resident_id in response.content.decode()
    assert "13800138000" in response.content.decode()
    reveal = AuditEvent.objects.get(action="customers.customer.identifier_revealed", actor=alice)
    assert reveal.after == {"reason": "contract"}


def test_reveal_is_post_only(client_for, alice, alices_customer):
    response = client_for(alice).get(reverse("customers:reveal", args=[alices_customer.pk]))
    assert response.status_code == 405


def test_manager_transfers_a_customer_with_a_reason(
    client_for, mary, alice, bob, alices_customer, alices_follow_up
):
    response = client_for(mary).post(
        reverse("customers:transfer", args=[alices_customer.pk]),
        {"to_officer": bob.pk, "reason": "Alice moves to the corporate desk"},
    )
    assert response.status_code == 302
    alices_customer.refresh_from_db()
    assert alices_customer.officer == bob
    transfer = OfficerTransfer.objects.get()
    assert (transfer.from_officer, transfer.to_officer, transfer.transferred_by) == (
        alice,
        bob,
        mary,
    )
    alices_follow_up.refresh_from_db()
    assert alices_follow_up.owner == bob
    assert AuditEvent.objects.filter(action="customers.customer.transferred").exists()
    page = client_for(mary).get(reverse("customers:detail", args=[alices_customer.pk]))
    assert "Alice moves to the corporate desk" in page.content.decode()


def test_transfer_needs_a_reason_and_an_officer_of_the_branch(
    client_for, mary, charlie, bob, alices_customer
):
    client = client_for(mary)
    response = client.post(
        reverse("customers:transfer", args=[alices_customer.pk]),
        {"to_officer": charlie.pk, "reason": "x"},
    )
    assert "to_officer" in response.context["form"].errors
    response = client.post(
        reverse("customers:transfer", args=[alices_customer.pk]),
        {"to_officer": bob.pk, "reason": ""},
    )
    assert "reason" in response.context["form"].errors
    assert not OfficerTransfer.objects.exists()


@pytest.fixture
def outbox(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return mail.outbox


def test_the_new_officer_is_mailed_the_transfer_once(
    client_for, mary, alice, bob, alices_customer, outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(mary).post(
            reverse("customers:transfer", args=[alices_customer.pk]),
            {"to_officer": bob.pk, "reason": "Alice moves to the corporate desk"},
        )
    assert response.status_code == 302
    # One transfer, one mail, to the officer who takes the customer.
    assert [message.to for message in outbox] == [[bob.email]]
    message = outbox[0]
    assert message.subject == "Customer transferred to you"
    assert message.body == (
        "Mary Chen handed you the customer 王小明, managed until now by Alice Wang.\n"
        "Reason: Alice moves to the corporate desk\n"
        + reverse("customers:detail", args=[alices_customer.pk])
    )


def test_an_officer_who_reads_chinese_is_mailed_the_transfer_in_chinese(
    mary, bob, alices_customer, outbox, django_capture_on_commit_callbacks
):
    from customers.services import customer_transfer

    bob.language = "zh-hans"
    bob.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        customer_transfer(actor=mary, customer=alices_customer, to_officer=bob, reason="工作调整")
    [message] = outbox
    assert (message.to, message.subject) == ([bob.email], "客户已转交给您")
    assert message.body.startswith(
        "Mary Chen 已将客户 王小明 转交给您（原客户经理：Alice Wang）。\n原因：工作调整\n"
    )


def test_a_transfer_rolled_back_or_refused_mails_nobody(
    client_for, mary, bob, charlie, alices_customer, outbox, django_capture_on_commit_callbacks
):
    from customers.services import customer_transfer

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            customer_transfer(actor=mary, customer=alices_customer, to_officer=bob, reason="Desk")
            raise RuntimeError("what followed the transfer in its transaction failed")
        response = client_for(mary).post(
            reverse("customers:transfer", args=[alices_customer.pk]),
            {"to_officer": charlie.pk, "reason": "Another branch"},
        )
    assert response.status_code == 400
    alices_customer.refresh_from_db()
    assert alices_customer.officer != bob and not OfficerTransfer.objects.exists()
    assert outbox == []


def test_officer_cannot_transfer(client_for, alice, alices_customer):
    assert (
        client_for(alice).get(reverse("customers:transfer", args=[alices_customer.pk])).status_code
        == 403
    )


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "小明"}, {"王小明"}),
        ({"q": "明"}, {"王小明"}),
        ({"q": "华盛"}, {"华盛制造有限公司"}),
        ({"q": "138 0013 8000"}, {"王小明"}),
        # Phones are encrypted at rest: only the whole number finds a customer.
        ({"q": "1380013"}, set()),
        ({"kind": "enterprise"}, {"华盛制造有限公司"}),
        ({"income_band": "10k-20k"}, {"王小明"}),
        ({"age_band": "40-49"}, {"王小明"}),
        ({"revenue_band": "10m-100m"}, {"华盛制造有限公司"}),
        ({"industry": "__C__"}, {"华盛制造有限公司"}),
    ],
)
def test_search_and_filters(
    client_for, alice, alices_customer, alices_enterprise, params, expected
):
    from customers.models import Industry

    if params.get("industry"):
        params = {"industry": Industry.objects.get(code="C").pk}
    response = client_for(alice).get(reverse("customers:list"), params)
    names = {customer.name for customer in response.context["customers"]}
    assert names == expected


def test_search_by_the_tail_of_the_masked_id_and_by_credit_code(
    client_for, alice, alices_customer, alices_enterprise
):
    client = client_for(alice)
    tail = alices_customer.resident_id[-4:]
    response = client.get(reverse("customers:list"), {"q": f"****{tail}"})
    assert [c.name for c in response.context["customers"]] == ["王小明"]
    response = client.get(reverse("customers:list"), {"q": alices_enterprise.credit_code.lower()})
    assert [c.name for c in response.context["customers"]] == ["华盛制造有限公司"]


def test_list_pages_without_counting_the_table(client_for, alice, django_assert_num_queries):
    for index in range(30):
        factories.individual(alice, name=f"客户{index:02d}")
    client = client_for(alice)
    client.get(reverse("customers:list"))  # warm the session
    # session, user with branch, the page of 26 rows (25 shown, one to know a next page
    # exists), saved filters, the officer, industry and tag choices of the filter form. No
    # COUNT.
    with django_assert_num_queries(7):
        response = client.get(reverse("customers:list"))
    assert len(response.context["customers"]) == 25
    assert response.context["has_next"] is True
    page2 = client.get(reverse("customers:list"), {"page": 2})
    assert len(page2.context["customers"]) == 5 and page2.context["has_next"] is False


def test_htmx_filter_returns_only_the_results_fragment(client_for, alice, alices_customer):
    response = client_for(alice).get(reverse("customers:list"), {"q": "王"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "王小明" in body and "<html" not in body


def test_bad_filter_values_are_ignored_with_a_message_not_a_500(client_for, alice, alices_customer):
    response = client_for(alice).get(
        reverse("customers:list"), {"officer": "abc", "page": "-4", "age_band": "999"}
    )
    assert response.status_code == 200
    assert "Some filters were not understood" in response.content.decode()


def test_the_quick_form_offers_the_open_follow_ups_the_360_lists(
    client_for, alice, alices_customer
):
    # The choices come from the follow-ups the page lists (no query of their own): the
    # customer's open ones, soonest first; not the done ones, nor another customer's.
    import datetime as dt

    from django.utils import timezone

    from customers.models import FollowUp

    today = timezone.localdate()

    def follow_up(customer, purpose, days, **fields):
        return FollowUp.objects.create(
            customer=customer,
            owner=alice,
            purpose=purpose,
            due_on=today + dt.timedelta(days=days),
            **fields,
        )

    later = follow_up(alices_customer, "Bring the lease", 9)
    sooner = follow_up(alices_customer, "Call about the plan", 2)
    done = follow_up(alices_customer, "Old visit", 1, status="done")
    other = follow_up(factories.individual(alice, name="赵敏"), "Not this one", 1)
    client = client_for(alice)
    page = client.get(reverse("customers:detail", args=[alices_customer.pk])).content.decode()
    select = page.split('name="completes_follow_up"')[1].split("</select>")[0]
    offered = [chunk.split('"')[0] for chunk in select.split('<option value="')[1:]]
    assert offered == ["", str(sooner.pk), str(later.pk)]
    assert "Call about the plan" in select and "Bring the lease" in select
    # What is posted is still checked against the database: a done one is refused.
    refused = client.post(
        reverse("customers:interaction-add", args=[alices_customer.pk]),
        {
            "channel": "phone",
            "direction": "outbound",
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "summary": "Called",
            "completes_follow_up": done.pk,
        },
    )
    assert refused.status_code == 400
    assert 'id="error_1_id_completes_follow_up"' in refused.content.decode()
    assert not alices_customer.interactions.exists()
    assert FollowUp.objects.get(pk=other.pk).status == "open"


def test_an_enterprise_360_lists_its_contact_persons(
    client_for, alice, alices_enterprise, alices_contact
):
    client = client_for(alice)
    url = reverse("customers:detail", args=[alices_enterprise.pk])
    page = client.get(url).content.decode()
    section = page.split('id="contacts"')[1].split("</section>")[0]
    assert "李会计" in section and "CFO" in section


def test_the_360_averages_every_survey_and_lists_the_ten_latest(client_for, alice, alices_customer):
    import datetime as dt

    from customers import services
    from customers.models import Survey

    client = client_for(alice)
    url = reverse("customers:detail", args=[alices_customer.pk])
    assert "No surveys yet." in client.get(url).content.decode()
    # Twelve surveys: the two oldest scored 1, the ten latest 5 (one of them with an NPS only).
    for number in range(12):
        services.survey_record(
            actor=alice,
            survey=Survey(
                customer=alices_customer,
                event="periodic",
                source="call",
                csat=(1 if number < 2 else None if number == 5 else 5),
                nps=8,
                comment=f"survey {number}",
                responded_on=dt.date(2026, 1, 1) + dt.timedelta(days=number),
            ),
        )
    page = client.get(url)
    section = page.content.decode().split('id="satisfaction"')[1].split("</section>")[0]
    # (2 × 1 + 9 × 5) / 11 surveys with a CSAT = 4.3, over all 12 surveys.
    assert "Average CSAT 4.3 over 12 surveys." in " ".join(section.split())
    shown = [survey.comment for survey in page.context["surveys"]]
    assert shown == [f"survey {number}" for number in range(11, 1, -1)]


def test_customer_360_query_count(client_for, alice, alices_customer, django_assert_num_queries):
    client = client_for(alice)
    url = reverse("customers:detail", args=[alices_customer.pk])
    client.get(url)
    # session, user with branch, customer (with whether its needs, open follow-ups,
    # complaints, surveys, transfers and tags have rows: none here, so no query for those
    # sections, 29 before; and whether it has credit facilities, a group membership and
    # related parties: none here, so the facilities, exposure and related-party panels read
    # none of them, 20 before), the "viewed" audit row, interactions (an individual has no
    # contact persons' section: no query, 32 before) (the quick interaction form's
    # follow-up choices are the open follow-ups: no query of their own, 33 before), the
    # credit panel (assessments, loans with their days past due, open applications), the
    # risk panel (strategy with whether the customer has open alerts and active signals: none
    # here, so no query for those, 23 before; loan classes, history), the watch-list
    # screening badge (the statuses of the customer's hits), the credit bureau panel (the
    # latest consent; no reports' query without a consent, 21 before), the documents panel
    # (the customer's documents, the upload form's document types).
    # The exposure panel: the tier-1 capital (no limits' or stored exposures' query without
    # one); its facilities' totals and group membership are the rows the facility and
    # related-party panels read (customers.panels.shared): no query of their own (34 before).
    # The payment reminders on the timeline (one query). One query per section, whatever
    # their size.
    with django_assert_num_queries(17):
        assert client.get(url).status_code == 200


def test_customer_360_reads_no_rows_through_a_server_side_cursor(
    client_for, alice, alices_customer
):
    # A model choice field reads its choices through queryset.iterator(): on PostgreSQL a
    # DECLARE, FETCH and CLOSE for the upload form's handful of document types.
    client = client_for(alice)
    url = reverse("customers:detail", args=[alices_customer.pk])
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url)
    assert 'data-testid="document-upload"' in page.content.decode()
    assert not [query["sql"] for query in queries if query["sql"].startswith("DECLARE")]


def test_saved_filters_belong_to_their_owner(client_for, alice, bob):
    client = client_for(alice)
    client.post(reverse("customers:filter-save"), {"name": "High risk", "query": "risk_level=high"})
    page = client.get(reverse("customers:list")).content.decode()
    assert "High risk" in page
    from customers.models import SavedFilter

    saved = SavedFilter.objects.get()
    bob_client = client_for(bob)
    assert "High risk" not in bob_client.get(reverse("customers:list")).content.decode()
    assert bob_client.post(reverse("customers:filter-delete", args=[saved.pk])).status_code == 404
    assert SavedFilter.objects.exists()
