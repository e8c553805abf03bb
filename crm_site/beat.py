"""Beat, one at a time: the database scheduler, sending only while it holds a lock.

Two beat processes (a redeploy that overlaps the old one, a second container started by
mistake) would each send every scheduled task: two nightly runs, two of every mail. Each
beat therefore asks PostgreSQL for a session-level advisory lock on a connection of its own
before it sends anything. The one that holds it is the leader; any other waits as a standby,
says so once in its log, and asks again every few seconds. PostgreSQL frees the lock when
the leader's connection ends, so a standby takes over within seconds of the leader dying.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, connections
from django_celery_beat.schedulers import DatabaseScheduler

logger = logging.getLogger(__name__)

# pg_advisory_lock(namespace, key); the risk chunks use namespace 7_301.
BEAT_LOCK_NAMESPACE = 7_302
BEAT_LOCK_KEY = 1
STANDBY_POLL_SECONDS = 2.0


class SingleBeatScheduler(DatabaseScheduler):
    """DatabaseScheduler that ticks only while it holds the beat lock."""

    _lock_connection = None
    _standby_logged = False

    def tick(self, *args, **kwargs):
        if not self._hold_lock():
            return STANDBY_POLL_SECONDS
        return super().tick(*args, **kwargs)

    def _hold_lock(self) -> bool:
        if self._lock_connection is not None:
            if self._lock_connection.is_usable():
                return True
            logger.warning("beat lost its lock with its database connection; asking again")
            self._release()
        # A connection of its own, which Django's request and task clean-ups never close.
        lock_connection = connections.create_connection("default")
        try:
            with lock_connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_try_advisory_lock(%s, %s)", [BEAT_LOCK_NAMESPACE, BEAT_LOCK_KEY]
                )
                acquired = cursor.fetchone()[0]
        except DatabaseError:
            lock_connection.close()
            return False
        if not acquired:
            lock_connection.close()
            if not self._standby_logged:
                logger.warning("another beat holds the beat lock; this one waits as a standby")
                self._standby_logged = True
            return False
        logger.info("beat holds the beat lock and sends the schedule")
        self._lock_connection = lock_connection
        self._standby_logged = False
        # Read the schedule afresh: while this beat waited, the leader ran entries.
        self._initial_read = True
        self._heap = None
        return True

    def _release(self) -> None:
        if self._lock_connection is not None:
            self._lock_connection.close()
            self._lock_connection = None

    def close(self):
        super().close()
        self._release()
