"""The Celery application: tasks are discovered per app, acked late and retried on outages."""

import os

from celery import Celery, Task
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm_site.settings")


class ResilientTask(Task):
    """Retries with backoff when PostgreSQL or Redis blips instead of losing the work.

    Every task is idempotent (see STYLE.md), so running one again after a failure is safe.
    """

    autoretry_for = (
        ConnectionError,
        TimeoutError,
        OperationalError,
        InterfaceError,
        BrokerError,
        RedisConnectionError,
    )
    retry_backoff = True
    retry_backoff_max = 300
    retry_jitter = True
    max_retries = 8


app = Celery("crm_site", task_cls=ResilientTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
