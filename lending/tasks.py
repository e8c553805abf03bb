from celery import shared_task

from lending import notifications
from lending.models import CustomerNotification


# The task keeps the name it had in the credit app: the outbox and the broker carry tasks by
# name, and a row enqueued before the move still finds it.
@shared_task(name="credit.send_customer_notification")
def send_customer_notification(notification_id: int) -> None:
    notification = CustomerNotification.objects.filter(pk=notification_id, delivered=False).first()
    if notification is not None:
        notifications.deliver(notification)
