"""GET /healthz for load balancers and operators: database, Redis and the beat heartbeat."""

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except DatabaseError:
        return "down"


def check_redis() -> str:
    try:
        client = redis.Redis.from_url(
            settings.REDIS_CACHE_URL, socket_timeout=2, socket_connect_timeout=2
        )
        client.ping()
        return "ok"
    except (redis.RedisError, OSError):
        return "down"


def beat_status(database: str) -> dict:
    if database != "ok":
        return {"status": "unknown", "last_heartbeat": None}
    from audit.models import JobHeartbeat
    from audit.tasks import BEAT_HEARTBEAT_JOB

    heartbeat = JobHeartbeat.objects.filter(job=BEAT_HEARTBEAT_JOB).first()
    if heartbeat is None:
        return {"status": "never", "last_heartbeat": None}
    age = (timezone.now() - heartbeat.last_seen_at).total_seconds()
    return {
        "status": "ok" if age <= settings.BEAT_STALE_AFTER_SECONDS else "stale",
        "last_heartbeat": heartbeat.last_seen_at.isoformat(),
        "age_seconds": round(age),
    }


@login_not_required
@never_cache
def healthz(request):
    database = check_database()
    cache = check_redis()
    # A late beat is reported but does not fail the web's health: it still serves users.
    healthy = database == "ok" and cache == "ok"
    body = {
        "status": "ok" if healthy else "down",
        "database": database,
        "redis": cache,
        "beat": beat_status(database),
    }
    return JsonResponse(body, status=200 if healthy else 503)
