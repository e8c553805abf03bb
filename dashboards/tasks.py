from celery import shared_task

from core.business_date import business_date
from dashboards import activity, figures
from dashboards.services import portfolio_snapshot


@shared_task(name="dashboards.snapshot")
def snapshot() -> int:
    """Beat entry point (after the nightly risk run): the dashboard's book figures rebuilt
    from the book (they are kept current all day; this puts right any drift), then today's
    portfolio snapshot."""
    figures.rebuild()
    return portfolio_snapshot(on=business_date())


@shared_task(name="dashboards.refresh_activity_figures")
def refresh_activity_figures() -> int:
    """Beat entry point (every 5 minutes): the bank's and each branch's dashboard activity
    figures computed ahead of the page (dashboards/activity.py)."""
    return activity.refresh(today=business_date())
