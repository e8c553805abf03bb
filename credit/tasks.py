import datetime as dt

from celery import shared_task

from core.business_date import business_date
from credit import monitoring, notifications
from credit.models import CustomerNotification


@shared_task(name="credit.send_customer_notification")
def send_customer_notification(notification_id: int) -> None:
    notification = CustomerNotification.objects.filter(pk=notification_id, delivered=False).first()
    if notification is not None:
        notifications.deliver(notification)


@shared_task(name="credit.scorecard_monitoring")
def scorecard_monitoring() -> list[int]:
    """Beat entry point, on the 1st: last month's figures for every scorecard in force."""
    as_of = business_date() - dt.timedelta(days=1)
    return [row.pk for row in monitoring.run_monthly(as_of)]
