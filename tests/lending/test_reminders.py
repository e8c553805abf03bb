"""Payment reminders to customers: due in N days and overdue on day 1, 7 and 30, once each
(a rerun of the night or a redelivered task sends nothing more), held back in the quiet
hours, respecting the customer's opt-out per channel (recorded and audited), written in the
customer's language, and shown on the customer's timeline.

The loan of the fixtures is disbursed on 2026-01-15 with monthly instalments due on the 15th
from 2026-02-15, to 王小明 (a phone, no e-mail)."""

# ruff: noqa: F811 (fixtures imported for pytest are the parameters of the tests)
import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from audit.models import AuditEvent, OutboxMessage
from lending import tasks
from lending.models import PaymentReminder, ReminderOptOut, ReminderSettings
from tests.lending.conftest import (  # noqa: F401
    approved,
    consumer_product,
    draft,
    graded_customer,
    loan,
    on_business_date,
    submitted,
    under_review,
)

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


class RecordingSms:
    """An SMS gateway that keeps what it was asked to send."""

    sent: list[tuple[str, str]] = []

    def send(self, phone: str, message: str) -> None:
        RecordingSms.sent.append((phone, message))


@pytest.fixture(autouse=True)
def sms(settings):
    settings.SMS_BACKEND = f"{__name__}.RecordingSms"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    RecordingSms.sent = []
    return RecordingSms.sent


def run_night(settings, monkeypatch, on: dt.date) -> None:
    """The beat task of the night on business date `on`, its chunks run as a worker would."""
    settings.BUSINESS_DATE = on
    monkeypatch.setattr(
        tasks.payment_reminders_chunk,
        "delay",
        lambda first, last, day, since: tasks.payment_reminders_chunk(first, last, day, since),
    )
    tasks.payment_reminders()


def send() -> int:
    """The sender, as the outbox or beat starts it."""
    return tasks.send_payment_reminders()


def test_a_reminder_goes_three_days_before_the_due_date(settings, monkeypatch, loan, sms):
    run_night(settings, monkeypatch, dt.date(2026, 4, 12))

    reminder = PaymentReminder.objects.get()
    assert (reminder.kind, reminder.days, reminder.channel) == ("due", 0, "sms")
    assert reminder.instalment == loan.instalments.get(due_date=dt.date(2026, 4, 15))
    # Sent through the outbox, after the night's transaction commits.
    assert OutboxMessage.objects.filter(task="lending.send_payment_reminders").exists()

    assert send() == 1
    instalment = reminder.instalment
    amount = f"¥{instalment.principal_due + instalment.interest_due:,.2f}"
    assert sms == [("13800138000", reminder.__class__.objects.get().message)]
    text = sms[0][1]
    assert amount in text and "2026-04-15" in text and loan.account_number in text
    # Written in the customer's language: Chinese unless they asked for English.
    assert "还款" in text
    reminder.refresh_from_db()
    assert reminder.status == "sent" and reminder.sent_at is not None


def test_days_before_due_is_the_admins_setting(settings, monkeypatch, loan):
    reminder_settings = ReminderSettings.current()
    reminder_settings.days_before_due = 5
    reminder_settings.save()
    run_night(settings, monkeypatch, dt.date(2026, 4, 12))
    assert not PaymentReminder.objects.exists()
    run_night(settings, monkeypatch, dt.date(2026, 4, 10))
    assert PaymentReminder.objects.get().due_date == dt.date(2026, 4, 15)


@pytest.mark.parametrize(
    ("on", "days"),
    [(dt.date(2026, 2, 16), 1), (dt.date(2026, 2, 22), 7), (dt.date(2026, 3, 17), 30)],
)
def test_overdue_notices_go_on_day_1_7_and_30(settings, monkeypatch, loan, sms, on, days):
    run_night(settings, monkeypatch, on)

    reminder = PaymentReminder.objects.get()
    assert (reminder.kind, reminder.days, reminder.due_date) == (
        "overdue",
        days,
        dt.date(2026, 2, 15),
    )
    send()
    assert len(sms) == 1
    assert f"逾期{days}天" in sms[0][1]


def nights(first: dt.date, last: dt.date):
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def test_no_notice_on_the_days_between(settings, monkeypatch, loan):
    # Every night from day 2 to day 6 past due: nothing; day 7: its notice; then nothing
    # again on days 8 to 12.
    for on in nights(dt.date(2026, 2, 17), dt.date(2026, 2, 21)):
        run_night(settings, monkeypatch, on)
    assert not PaymentReminder.objects.exists()
    run_night(settings, monkeypatch, dt.date(2026, 2, 22))
    for on in nights(dt.date(2026, 2, 23), dt.date(2026, 2, 27)):
        run_night(settings, monkeypatch, on)
    assert list(PaymentReminder.objects.values_list("kind", "days")) == [("overdue", 7)]


def test_a_missed_night_is_caught_up_by_the_next(settings, monkeypatch, loan, sms):
    # The instalment of 15 February is 6 days past due on the 21st; the night of the 22nd
    # (day 7) does not run; the night of the 23rd sends the day-7 notice all the same.
    run_night(settings, monkeypatch, dt.date(2026, 2, 21))
    run_night(settings, monkeypatch, dt.date(2026, 2, 23))
    reminder = PaymentReminder.objects.get()
    assert (reminder.kind, reminder.days, reminder.due_date) == (
        "overdue",
        7,
        dt.date(2026, 2, 15),
    )
    # The following nights add nothing: the notice of day 7 is sent once.
    for on in nights(dt.date(2026, 2, 24), dt.date(2026, 2, 27)):
        run_night(settings, monkeypatch, on)
    assert PaymentReminder.objects.count() == 1
    send()
    assert len(sms) == 1 and "逾期7天" in sms[0][1]


def test_a_catch_up_sends_only_the_latest_notice_reached(settings, monkeypatch, loan):
    # The night of the 15th (the due day) runs, then the scheduler stops from the 16th to
    # the 22nd; the night of the 23rd finds day 1 and day 7 both gone by and sends the
    # day-7 notice only.
    run_night(settings, monkeypatch, dt.date(2026, 2, 15))
    run_night(settings, monkeypatch, dt.date(2026, 2, 23))
    assert list(PaymentReminder.objects.values_list("kind", "days")) == [("overdue", 7)]


def test_a_notice_older_than_a_week_is_not_caught_up(settings, monkeypatch, loan):
    # The scheduler stops from the 16th of February to the 15th of March: day 1 and day 7
    # are more than a week gone; the night of the 16th of March sends nothing late (the
    # day-30 notice comes on its own night, the 17th).
    run_night(settings, monkeypatch, dt.date(2026, 2, 15))
    february = PaymentReminder.objects.filter(kind="overdue", due_date=dt.date(2026, 2, 15))
    run_night(settings, monkeypatch, dt.date(2026, 3, 16))
    assert not february.exists()
    run_night(settings, monkeypatch, dt.date(2026, 3, 17))
    assert list(february.values_list("days", flat=True)) == [30]


def test_a_paid_instalment_gets_no_notice(settings, monkeypatch, loan):
    loan.instalments.filter(due_date=dt.date(2026, 2, 15)).update(settled_on=dt.date(2026, 2, 15))
    run_night(settings, monkeypatch, dt.date(2026, 2, 16))
    assert not PaymentReminder.objects.exists()


def test_a_rerun_of_the_night_and_a_redelivered_task_send_once(settings, monkeypatch, loan, sms):
    run_night(settings, monkeypatch, dt.date(2026, 2, 16))
    run_night(settings, monkeypatch, dt.date(2026, 2, 16))
    # The chunk redelivered by the broker after a worker died.
    tasks.payment_reminders_chunk(loan.customer_id, loan.customer_id, "2026-02-16")
    send()
    send()

    assert PaymentReminder.objects.count() == 1
    assert len(sms) == 1


def test_quiet_hours_hold_the_message_until_morning(settings, monkeypatch, loan, sms):
    with time_machine.travel(dt.datetime(2026, 2, 16, 22, 30, tzinfo=SHANGHAI), tick=False):
        run_night(settings, monkeypatch, dt.date(2026, 2, 16))
        assert send() == 0
    reminder = PaymentReminder.objects.get()
    assert reminder.send_after == dt.datetime(2026, 2, 17, 8, 0, tzinfo=SHANGHAI)
    assert reminder.status == "pending" and sms == []

    with time_machine.travel(dt.datetime(2026, 2, 17, 7, 59, tzinfo=SHANGHAI), tick=False):
        assert send() == 0
    with time_machine.travel(dt.datetime(2026, 2, 17, 8, 5, tzinfo=SHANGHAI), tick=False):
        assert send() == 1
    assert len(sms) == 1


def test_a_message_queued_by_day_waits_if_the_sender_comes_in_the_quiet_hours(
    settings, monkeypatch, loan, sms
):
    with time_machine.travel(dt.datetime(2026, 2, 16, 20, 0, tzinfo=SHANGHAI), tick=False):
        run_night(settings, monkeypatch, dt.date(2026, 2, 16))
    # The sender (outbox or beat) only runs after 21:00 that day.
    with time_machine.travel(dt.datetime(2026, 2, 16, 21, 0, tzinfo=SHANGHAI), tick=False):
        assert send() == 0
    assert sms == []
    with time_machine.travel(dt.datetime(2026, 2, 17, 8, 0, tzinfo=SHANGHAI), tick=False):
        assert send() == 1


def test_the_customers_language_is_used(settings, monkeypatch, loan, sms):
    loan.customer.language = "en"
    loan.customer.save(update_fields=["language"])
    run_night(settings, monkeypatch, dt.date(2026, 2, 22))
    send()
    assert sms[0][1].startswith("Your instalment of ¥")
    assert "is 7 days overdue" in sms[0][1]


def test_an_officer_records_an_opt_out_which_is_audited_and_respected(
    client_for, alice, settings, monkeypatch, loan, sms
):
    customer = loan.customer
    response = client_for(alice).post(
        reverse("lending:customer-reminder-opt-out", args=[customer.pk]),
        {"channel": "sms", "choice": "out"},
    )
    assert response.status_code == 302
    opt_out = ReminderOptOut.objects.get(customer=customer)
    assert (opt_out.channel, opt_out.recorded_by) == ("sms", alice)
    event = AuditEvent.objects.get(action="lending.reminder_opt_out.opted_out")
    assert (event.actor, event.object_id, event.after["channel"]) == (
        alice,
        str(customer.pk),
        "sms",
    )
    page = client_for(alice).get(reverse("lending:customer-reminders", args=[customer.pk]))
    assert "opted out on" in page.content.decode()

    # No e-mail on file and SMS refused: no reminder at all.
    run_night(settings, monkeypatch, dt.date(2026, 2, 16))
    assert not PaymentReminder.objects.exists()
    # With an e-mail address, the reminder goes by e-mail instead.
    customer.email = "wang@example.cn"
    customer.save(update_fields=["email"])
    run_night(settings, monkeypatch, dt.date(2026, 2, 22))
    send()
    assert sms == []
    assert mail.outbox[0].to == ["wang@example.cn"]

    # Opting back in is audited too, and SMS is the first choice again.
    client_for(alice).post(
        reverse("lending:customer-reminder-opt-out", args=[customer.pk]),
        {"channel": "sms", "choice": "in"},
    )
    assert not ReminderOptOut.objects.exists()
    assert AuditEvent.objects.filter(action="lending.reminder_opt_out.opted_in").count() == 1
    run_night(settings, monkeypatch, dt.date(2026, 3, 17))
    send()
    # The week of nights missed before the 17th is caught up: the March instalment's due
    # notice and its day-1 notice, and February's day-30 notice, all by SMS again.
    assert len(sms) == 3 and len(mail.outbox) == 1


def test_an_opt_out_after_the_night_stops_the_queued_message(
    client_for, alice, settings, monkeypatch, loan, sms
):
    with time_machine.travel(dt.datetime(2026, 2, 16, 23, 0, tzinfo=SHANGHAI), tick=False):
        run_night(settings, monkeypatch, dt.date(2026, 2, 16))
    client_for(alice).post(
        reverse("lending:customer-reminder-opt-out", args=[loan.customer.pk]),
        {"channel": "sms", "choice": "out"},
    )
    with time_machine.travel(dt.datetime(2026, 2, 17, 9, 0, tzinfo=SHANGHAI), tick=False):
        assert send() == 0
    assert sms == []
    assert PaymentReminder.objects.get().status == "cancelled"


def test_bad_input_is_refused_next_to_the_field(client_for, alice, loan):
    response = client_for(alice).post(
        reverse("lending:customer-reminder-opt-out", args=[loan.customer.pk]),
        {"channel": "fax", "choice": "out"},
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not ReminderOptOut.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="lending.reminder_opt_out").exists()


def test_an_outsider_gets_404_and_changes_nothing(client_for, charlie, loan):
    client = client_for(charlie)
    page = reverse("lending:customer-reminders", args=[loan.customer.pk])
    action = reverse("lending:customer-reminder-opt-out", args=[loan.customer.pk])
    assert client.get(page).status_code == 404
    assert client.post(action, {"channel": "sms", "choice": "out"}).status_code == 404
    assert not ReminderOptOut.objects.exists()


def test_a_risk_officer_sees_the_reminders_but_records_no_opt_out(client_for, rita, loan):
    client = client_for(rita)
    page = client.get(reverse("lending:customer-reminders", args=[loan.customer.pk]))
    assert page.status_code == 200
    assert 'data-testid="opt-out-form"' not in page.content.decode()
    response = client.post(
        reverse("lending:customer-reminder-opt-out", args=[loan.customer.pk]),
        {"channel": "sms", "choice": "out"},
    )
    assert response.status_code == 403
    assert not ReminderOptOut.objects.exists()


def test_the_message_is_on_the_customers_timeline(
    client_for, alice, settings, monkeypatch, loan, sms
):
    run_night(settings, monkeypatch, dt.date(2026, 2, 22))
    send()
    reminder = PaymentReminder.objects.get()
    page = client_for(alice).get(reverse("customers:detail", args=[loan.customer.pk]))
    content = page.content.decode()
    assert 'data-testid="timeline-reminder"' in content
    assert reverse("lending:customer-reminders", args=[loan.customer.pk]) in content
    assert reminder.message in content
