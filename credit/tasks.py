from celery import shared_task

from credit import notifications
from credit.models import CustomerNotification


@shared_task(name="credit.send_customer_notification")
def send_customer_notification(notification_id: int) -> None:
    notification = CustomerNotification.objects.filter(pk=notification_id, delivered=False).first()
    if notification is not None:
        notifications.deliver(notification)
