"""The read replica: dashboards, reports and exports read from a streaming replica of the
database when DATABASE_REPLICA_URL is set; every write and every other read stays on the
primary (docs/replica.md).

Reads are sent there explicitly, never guessed: a view decorated with `reads_from_replica`
(or code inside `reading_from_replica()`) sets a context variable that the router reads. Even
then the primary answers when
- there is no replica alias (DATABASE_REPLICA_URL unset: no behaviour change at all);
- the primary is inside a transaction (a read there must see that transaction's writes);
- the user wrote within the last DATABASE_REPLICA_AFTER_WRITE_SECONDS (their own POST might
  not have reached the replica yet: read-your-writes);
- the replica replays more than DATABASE_REPLICA_MAX_LAG_SECONDS behind the primary, or cannot
  be reached, or is not in recovery (checked at most every DATABASE_REPLICA_CHECK_SECONDS per
  process, and logged once when it becomes unusable and once when it is usable again).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
import time
from collections.abc import Iterator
from contextvars import ContextVar

from django.conf import settings
from django.db import DatabaseError, connections
from django.http import FileResponse, StreamingHttpResponse

logger = logging.getLogger(__name__)

PRIMARY = "default"
REPLICA = "replica"
# The session key holding the moment (epoch seconds) of the user's last successful POST.
LAST_WRITE_SESSION_KEY = "replica_last_write_at"

_replica_reads: ContextVar[bool] = ContextVar("replica_reads", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextlib.contextmanager
def reading_from_replica() -> Iterator[None]:
    """Reads of the ORM (and of `read_connection()`) inside go to the replica when it is fit."""
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


def alias_for_reads() -> str:
    if not _replica_reads.get() or not replica_configured():
        return PRIMARY
    # Inside a transaction on the primary, a read must see what that transaction wrote.
    if connections[PRIMARY].in_atomic_block:
        return PRIMARY
    return REPLICA if replica_state.fit() else PRIMARY


def read_connection():
    """The connection raw SQL of a replica-reading page uses (the ORM goes through the router)."""
    return connections[alias_for_reads()]


class ReplicaRouter:
    """Writes always go to the primary; reads follow `alias_for_reads()`."""

    def db_for_read(self, model, **hints):
        return alias_for_reads()

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        # The replica is a copy of the primary: a row read from one may point to a row of the
        # other (a report row read from the replica, saved to the primary).
        if {obj1._state.db, obj2._state.db} <= {PRIMARY, REPLICA}:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # A streaming replica replays the primary's migrations; it cannot run its own.
        return False if db == REPLICA else None


class ReplicaState:
    """Whether the replica may serve reads now, checked at most every few seconds per process."""

    def __init__(self):
        self._lock = threading.Lock()
        self._checked_at: float | None = None
        self._fit = False
        # None until the first check, so the first unfit answer is logged too.
        self._logged_fit: bool | None = None

    def forget(self) -> None:
        """The next `fit()` checks again (after the replica or the settings changed)."""
        with self._lock:
            self._checked_at = None
            self._logged_fit = None

    def fit(self) -> bool:
        now = time.monotonic()
        with self._lock:
            if (
                self._checked_at is not None
                and now - self._checked_at < settings.DATABASE_REPLICA_CHECK_SECONDS
            ):
                return self._fit
            # Marked checked before the queries: other threads keep the last answer meanwhile.
            self._checked_at = now
        lag, reason = replica_lag()
        fit = lag is not None and lag <= settings.DATABASE_REPLICA_MAX_LAG_SECONDS
        with self._lock:
            self._fit = fit
            if fit != self._logged_fit:
                self._logged_fit = fit
                if fit:
                    logger.info("read replica in use (replay lag %.1f s)", lag)
                else:
                    logger.warning(
                        "read replica not used, the primary answers its reads: %s", reason
                    )
        return fit


replica_state = ReplicaState()


def replica_lag() -> tuple[float | None, str]:
    """Seconds the replica's replay is behind the primary (0 when it has replayed everything
    the primary had written when asked), or None and the reason it cannot serve reads."""
    try:
        with connections[PRIMARY].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()::text")
            primary_lsn = cursor.fetchone()[0]
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(
                "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn() >= %s::pg_lsn,"
                " extract(epoch FROM now() - pg_last_xact_replay_timestamp())",
                [primary_lsn],
            )
            in_recovery, caught_up, since_last_replayed = cursor.fetchone()
    except DatabaseError as error:
        return None, f"cannot be reached ({error.__class__.__name__}: {error})"
    if not in_recovery:
        # A promoted replica (or the primary itself) would silently diverge from the primary.
        return None, "the server is not a replica in recovery"
    if caught_up:
        return 0.0, ""
    if since_last_replayed is None:
        return None, "the replica has replayed nothing yet"
    # Behind: at most as old as the last transaction it replayed (an over-estimate when the
    # primary was idle before its latest write, which errs towards reading the primary).
    lag = float(since_last_replayed)
    return lag, f"replay lag {lag:.1f} s above DATABASE_REPLICA_MAX_LAG_SECONDS"


def wrote_recently(request) -> bool:
    session = getattr(request, "session", None)
    if session is None:
        return False
    last_write = session.get(LAST_WRITE_SESSION_KEY)
    return (
        last_write is not None
        and time.time() - last_write < settings.DATABASE_REPLICA_AFTER_WRITE_SECONDS
    )


def _each_chunk_from_replica(chunks: Iterator) -> Iterator:
    # A streamed export runs its queries while the server sends it, after the view returned.
    while True:
        with reading_from_replica():
            try:
                chunk = next(chunks)
            except StopIteration:
                return
        yield chunk


def reads_from_replica(view):
    """For dashboards, reports and exports: the view's reads go to the replica (see above)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not replica_configured() or wrote_recently(request):
            return view(request, *args, **kwargs)
        with reading_from_replica():
            response = view(request, *args, **kwargs)
        if isinstance(response, StreamingHttpResponse) and not isinstance(response, FileResponse):
            response.streaming_content = _each_chunk_from_replica(iter(response.streaming_content))
        return response

    return wrapper


class LastWriteMiddleware:
    """Notes in the session when a signed-in user's POST succeeded, so their next pages read
    the primary for a few seconds (read-your-writes). Nothing is noted without a replica."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.method == "POST"
            and response.status_code < 400
            and replica_configured()
            and hasattr(request, "session")
            # After a log-out there is no one to note it for (and no session to keep).
            and getattr(request, "user", None) is not None
            and request.user.is_authenticated
        ):
            request.session[LAST_WRITE_SESSION_KEY] = time.time()
        return response
