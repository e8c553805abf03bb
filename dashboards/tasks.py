from celery import shared_task

from credit.business_date import business_date
from dashboards import figures
from dashboards.services import portfolio_snapshot


@shared_task(name="dashboards.snapshot")
def snapshot() -> int:
    """Beat entry point (after the nightly risk run): the dashboard's book figures rebuilt
    from the book (they are kept current all day; this puts right any drift), then today's
    portfolio snapshot."""
    figures.rebuild()
    return portfolio_snapshot(on=business_date())
