from celery import shared_task

from credit.business_date import business_date
from dashboards.services import portfolio_snapshot


@shared_task(name="dashboards.snapshot")
def snapshot() -> int:
    """Beat entry point (after the nightly risk run): today's portfolio snapshot."""
    return portfolio_snapshot(on=business_date())
