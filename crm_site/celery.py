"""The Celery application: tasks are discovered per app, acked late and retried on outages;
a worker keeps its database connection between tasks as Django's settings say."""

import contextlib
import os

from celery import Celery, Task, signals
from django.db import (
    DatabaseError,
    InterfaceError,
    OperationalError,
    close_old_connections,
    connections,
)
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


# Celery's Django fixup closes the connections after every task unless CELERY_DB_REUSE_MAX is
# set (crm_site/settings.py sets it); these give a worker's connection the life Django gives a
# web request's: closed when older than CONN_MAX_AGE, and checked before its next use
# (CONN_HEALTH_CHECKS), so a connection the server dropped between two tasks is replaced
# instead of failing the next one. A task run eagerly runs inside its caller's transaction:
# its connection is the caller's to manage.
@signals.task_prerun.connect
def _database_before_task(sender=None, **kwargs) -> None:
    if not getattr(sender.request, "is_eager", False):
        close_old_connections()


@signals.task_postrun.connect
def _database_after_task(sender=None, state=None, **kwargs) -> None:
    if getattr(sender.request, "is_eager", False):
        return
    if state == "SUCCESS":
        close_old_connections()
        return
    # A task that failed (or is retried) may have been interrupted in the middle of a query
    # (a time limit): its connection can look usable and not be, so it is never reused.
    for connection in connections.all(initialized_only=True):
        # The connection is dropped either way; an error closing a broken one says nothing new.
        with contextlib.suppress(DatabaseError):
            connection.close()
