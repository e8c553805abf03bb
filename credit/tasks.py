import datetime as dt

from celery import shared_task

from core.business_date import business_date
from credit import monitoring


@shared_task(name="credit.scorecard_monitoring")
def scorecard_monitoring() -> list[int]:
    """Beat entry point, on the 1st: last month's figures for every scorecard in force."""
    as_of = business_date() - dt.timedelta(days=1)
    return [row.pk for row in monitoring.run_monthly(as_of)]
