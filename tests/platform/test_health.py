import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from audit.models import JobHeartbeat
from audit.services import job_heartbeat_record
from audit.tasks import BEAT_HEARTBEAT_JOB, beat_heartbeat


def test_healthz_reports_database_and_redis_up(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["redis"] == "ok"
    assert body["beat"]["status"] == "never"


def test_healthz_is_503_when_redis_is_down(client, db, settings, tmp_path):
    settings.REDIS_CACHE_URL = f"unix://{tmp_path}/no-redis-here.sock"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["redis"] == "down"
    assert response.json()["status"] == "down"


@pytest.mark.django_db(transaction=True)
def test_healthz_is_503_when_the_database_is_down(client, monkeypatch, tmp_path):
    # A real failed connection: the server socket is looked for where there is none.
    connection.close()
    monkeypatch.setitem(connection.settings_dict, "HOST", str(tmp_path))
    monkeypatch.setitem(connection.settings_dict, "PORT", "")
    response = client.get("/healthz")
    connection.close()
    assert response.status_code == 503
    assert response.json()["database"] == "down"
    assert response.json()["beat"]["status"] == "unknown"


def test_healthz_reports_the_last_beat_heartbeat(client, db):
    beat_heartbeat()
    body = client.get("/healthz").json()
    assert body["beat"]["status"] == "ok"
    seen = JobHeartbeat.objects.get(job=BEAT_HEARTBEAT_JOB).last_seen_at
    assert body["beat"]["last_heartbeat"] == seen.isoformat()


def test_stale_beat_is_reported_but_the_web_stays_healthy(client, db, settings):
    job_heartbeat_record(job=BEAT_HEARTBEAT_JOB)
    JobHeartbeat.objects.update(
        last_seen_at=timezone.now() - dt.timedelta(seconds=settings.BEAT_STALE_AFTER_SECONDS + 5)
    )
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["beat"]["status"] == "stale"


def test_heartbeat_updates_one_row_rather_than_growing_a_table(db):
    beat_heartbeat()
    beat_heartbeat()
    assert JobHeartbeat.objects.filter(job=BEAT_HEARTBEAT_JOB).count() == 1
