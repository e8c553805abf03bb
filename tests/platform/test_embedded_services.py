"""The embedded PostgreSQL and Redis: started on demand, reused, and stopped cleanly."""

import os

import psycopg
import redis

from ops import dev


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_start_twice_reuses_and_stop_leaves_no_process(tmp_path):
    folder = tmp_path / "data"
    first = dev.ensure_services(folder)
    try:
        assert first.database.started_here and first.redis.started_here
        with psycopg.connect(first.database.url) as conn:
            assert conn.execute("SELECT current_database()").fetchone() == ("crm",)
        assert redis.Redis.from_url(first.redis.url.replace("redis+socket", "unix")).ping()
        postgres_pid = int((folder / "postgres" / "postmaster.pid").read_text().split()[0])
        redis_pid = dev.redis_pid(folder)

        second = dev.ensure_services(folder)
        assert not second.database.started_here and not second.redis.started_here
        assert second.environ() == first.environ()
        assert int((folder / "postgres" / "postmaster.pid").read_text().split()[0]) == postgres_pid
        assert dev.redis_pid(folder) == redis_pid
    finally:
        dev.stop_services(folder)
    assert not pid_alive(postgres_pid)
    assert not pid_alive(redis_pid)
    assert not dev.postgres_running(folder)


def test_data_survives_a_restart(tmp_path):
    folder = tmp_path / "data"
    try:
        url = dev.ensure_services(folder, redis=False).database.url
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE kept (value text)")
            conn.execute("INSERT INTO kept VALUES ('still here')")
        dev.stop_services(folder, redis=False)
        url = dev.ensure_services(folder, redis=False).database.url
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT value FROM kept").fetchone() == ("still here",)
    finally:
        dev.stop_services(folder)
