"""The date-sensitive parts of the product on the days that break date arithmetic: month ends
(31 January, 28 and 29 February of a leap year, 31 December), the 1st of a month, a Sunday,
and 00:30 in the bank's time zone, which is still the previous day in UTC.

On each day the demo book is seeded (applications, disbursements and their schedules,
repayments, the nightly and the early-warning scan, the scorecards' monthly monitoring, the
portfolio snapshot), then the revisit generator and the SLA escalation run, and the pages that
compare dates (Today, the dashboard, every report and its export, the risk page) are opened.
The whole suite can also be moved to any of these days with CRM_TEST_NOW (tests/conftest.py)."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core.business_date import business_date
from credit.models import ScorecardMonitoring
from credit.monitoring import run_monthly
from customers.models import FollowUp, FollowUpSource, RevisitCadence
from customers.services import revisit_follow_ups_generate
from dashboards.reports import REPORTS
from lending.models import Application, Loan
from risk.models import Alert, AlertStatus, LoanRisk, Severity
from risk.services import alerts_escalate_overdue

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")

AWKWARD_MOMENTS = {
    "31 January": dt.datetime(2028, 1, 31, 10, 0, tzinfo=SHANGHAI),
    "28 February of a leap year": dt.datetime(2028, 2, 28, 10, 0, tzinfo=SHANGHAI),
    "29 February": dt.datetime(2028, 2, 29, 10, 0, tzinfo=SHANGHAI),
    "31 December": dt.datetime(2027, 12, 31, 16, 0, tzinfo=SHANGHAI),
    "the 1st of a month": dt.datetime(2027, 3, 1, 9, 0, tzinfo=SHANGHAI),
    "a Sunday": dt.datetime(2026, 11, 22, 11, 0, tzinfo=SHANGHAI),
    # 00:30 in Shanghai is 16:30 of the day before in UTC.
    "00:30 on the 1st of a month": dt.datetime(2028, 3, 1, 0, 30, tzinfo=SHANGHAI),
}


def _month_days(year: int, month: int) -> int:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return (following - dt.timedelta(days=1)).day


def _assert_schedules_follow_the_calendar(loans):
    """Each instalment falls due on the disbursement's day of the month, or on the month's
    last day when the month is shorter (31 January → 29 February → 31 March)."""
    for loan in loans:
        rows = list(
            loan.instalments.filter(schedule_version=1)
            .order_by("number")
            .values_list("number", "due_date")
        )
        start = loan.disbursed_on
        for number, due in rows:
            months = start.month - 1 + number
            year, month = start.year + months // 12, months % 12 + 1
            expected = dt.date(year, month, min(start.day, _month_days(year, month)))
            assert due == expected, (loan.pk, number, due, expected)
        due_dates = [due for _number, due in rows]
        assert due_dates == sorted(set(due_dates)), loan.pk


@pytest.mark.django_db
@pytest.mark.parametrize("moment", AWKWARD_MOMENTS.values(), ids=AWKWARD_MOMENTS.keys())
def test_the_book_runs_on_an_awkward_day(moment, client):
    with time_machine.travel(moment, tick=True):
        today = moment.date()
        # The business day is the bank's calendar day, never the UTC one.
        assert business_date() == today == timezone.localdate()
        call_command("seed_demo", "--customers", "24", "--seed", "7", "--force")

        # The demo book is meaningful on any day: every stage, every class, every severity.
        statuses = set(Application.objects.values_list("status", flat=True))
        assert statuses >= {
            "draft",
            "submitted",
            "under_review",
            "approved",
            "rejected",
            "withdrawn",
            "disbursed",
        }
        assert set(LoanRisk.objects.values_list("final_class", flat=True)) == {1, 2, 3, 4, 5}
        severities = set(
            Alert.objects.filter(status=AlertStatus.OPEN).values_list("severity", flat=True)
        )
        assert severities == set(Severity.values)
        # The nightly ran for this business day, not the UTC one (a loan whose risk never
        # moved since it went out keeps no date).
        assert set(LoanRisk.objects.values_list("computed_on", flat=True)) - {None} == {today}
        loans = list(Loan.objects.filter(restructure_count=0))
        assert loans
        _assert_schedules_follow_the_calendar(loans)
        # Nothing is due before the loan went out, and days past due count to this day.
        for risk in LoanRisk.objects.filter(overdue_since__isnull=False):
            assert risk.dpd == (today - risk.overdue_since).days

        # The monthly monitoring reports this month, whatever day of it (a second run is
        # the same report, not another).
        reports = run_monthly(today)
        assert reports and {report.computed_for for report in reports} == {today}
        monitored = ScorecardMonitoring.objects.count()
        run_monthly(today)
        assert ScorecardMonitoring.objects.count() == monitored

        # Revisits fall due a cadence after the last contact, counted in the bank's calendar,
        # and never before this day.
        FollowUp.objects.filter(source=FollowUpSource.CADENCE).delete()
        assert revisit_follow_ups_generate(first_id=0, last_id=10**9) > 0
        cadence = dict(RevisitCadence.objects.values_list("risk_level", "days"))
        for revisit in FollowUp.objects.filter(source=FollowUpSource.CADENCE).select_related(
            "customer"
        ):
            customer = revisit.customer
            last = customer.interactions.order_by("-occurred_at").first()
            since = timezone.localdate(last.occurred_at if last else customer.assigned_at)
            expected = max(today, since + dt.timedelta(days=cadence[customer.risk_level]))
            assert revisit.due_on == expected, customer.pk

        mary = User.objects.get(username="mary")
        client.force_login(mary)
        pages = [
            reverse("today"),
            reverse("dashboards:dashboard"),
            reverse("risk:overview"),
            reverse("risk:alert-list"),
            reverse("lending:application-list"),
            reverse("lending:loan-list"),
        ]
        for slug in REPORTS:
            pages.append(reverse("dashboards:report", args=[slug]))
            pages.append(reverse("dashboards:report", args=[slug]) + "?export=csv")
        for url in pages:
            response = client.get(url)
            assert response.status_code == 200, url
        dashboard = client.get(reverse("dashboards:dashboard")).content.decode()
        assert today.isoformat() in dashboard
        assert (today - dt.timedelta(days=30)).isoformat() in dashboard

    # Three days on, every alert still open has passed its acknowledgement SLA (the longest
    # is 72 hours) and goes to the manager, once.
    with time_machine.travel(moment + dt.timedelta(days=3, hours=1), tick=True):
        open_alerts = Alert.objects.filter(status=AlertStatus.OPEN).count()
        assert alerts_escalate_overdue() == open_alerts > 0
        assert alerts_escalate_overdue() == 0
