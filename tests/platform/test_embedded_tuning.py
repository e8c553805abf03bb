"""The embedded PostgreSQL tuned as a bank's database server (ops/dev.py): shared_buffers a
quarter of the memory (at most 8 GB), effective_cache_size about 65%, set when the runner
starts the server, with a restart only when a value changes; a server already running is
never touched, and CRM_PG_TUNE=0 leaves the settings alone."""

import time

import psycopg
import pytest

from ops import dev

GIB = 1 << 30
MIB = 1 << 20


def settings_of(url: str) -> dict[str, str]:
    with psycopg.connect(url) as conn:
        return {
            name: conn.execute(f"SHOW {name}").fetchone()[0]
            for name in ("shared_buffers", "effective_cache_size")
        }


def start(folder) -> dev.ServiceState:
    return dev.ensure_services(folder, redis=False).database


def postmaster_pid(folder) -> int:
    return int((folder / "postgres" / "postmaster.pid").read_text().split()[0])


def bytes_of(size: str) -> int:
    units = {"kB": 1 << 10, "MB": MIB, "GB": GIB}
    return int(size[:-2]) * units[size[-2:]]


@pytest.mark.parametrize(
    ("memory", "shared_buffers", "effective_cache_size"),
    [
        # The 1M book's machine class: a quarter, and 65%.
        (16 * GIB, "4096MB", "10649MB"),
        (24 * GIB, "6144MB", "15974MB"),
        # Past 32 GB the buffers stop at 8 GB; the OS caches the rest.
        (64 * GIB, "8192MB", "42598MB"),
        (512 * GIB, "8192MB", "340787MB"),
        # A small container keeps PostgreSQL's own 128MB rather than less.
        (256 * MIB, "128MB", "166MB"),
        (128 * MIB, "128MB", "128MB"),
    ],
)
def test_the_tuning_is_a_share_of_the_memory(memory, shared_buffers, effective_cache_size):
    assert dev.postgres_tuning(memory) == {
        "shared_buffers": shared_buffers,
        "effective_cache_size": effective_cache_size,
    }


def test_a_containers_memory_limit_counts_when_it_is_lower(tmp_path):
    physical = dev.machine_memory_bytes(limit_files=())
    assert physical > 0
    v2 = tmp_path / "memory.max"
    v2.write_text(f"{2 * GIB}\n")
    assert dev.machine_memory_bytes(limit_files=(v2,)) == 2 * GIB
    # cgroup v2 says "max" without a limit; v1 gives a number far above the machine's.
    v2.write_text("max\n")
    v1 = tmp_path / "memory.limit_in_bytes"
    v1.write_text("9223372036854771712\n")
    assert dev.machine_memory_bytes(limit_files=(v2, v1)) == physical
    assert dev.machine_memory_bytes(limit_files=(tmp_path / "missing", v1)) == physical


def test_a_started_server_reports_the_tuning_and_restarts_only_when_it_changes(
    tmp_path, monkeypatch
):
    monkeypatch.delenv("CRM_PG_TUNE", raising=False)
    folder = tmp_path / "data"
    wanted = dev.postgres_tuning()
    try:
        state = start(folder)
        assert state.started_here
        shown = settings_of(state.url)
        assert {name: bytes_of(value) for name, value in shown.items()} == {
            name: bytes_of(value) for name, value in wanted.items()
        }
        auto_conf = folder / "postgres" / "postgresql.auto.conf"
        assert "shared_buffers = '" in auto_conf.read_text()

        # Started again: already tuned, so no second restart and nothing rewritten.
        dev.stop_postgres(folder)
        written = auto_conf.stat().st_mtime_ns
        log_size = (folder / "postgres" / "log").stat().st_size
        state = start(folder)
        assert state.started_here
        assert auto_conf.stat().st_mtime_ns == written
        log = (folder / "postgres" / "log").read_text()[log_size:]
        assert log.count("database system is ready to accept connections") == 1
        with psycopg.connect(state.url, autocommit=True) as conn:
            assert dev.apply_tuning(conn, wanted) is False
            # effective_cache_size takes a reload; shared_buffers a restart.
            assert dev.apply_tuning(conn, {"effective_cache_size": "3GB"}) is False
            # The reload reaches this session asynchronously (the postmaster signals it).
            assert shown_within(conn, "effective_cache_size", "3GB")
            assert dev.apply_tuning(conn, {"shared_buffers": "256MB"}) is True
    finally:
        dev.stop_postgres(folder)


def shown_within(conn, name: str, value: str, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while True:
        if conn.execute(f"SHOW {name}").fetchone() == (value,):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


def test_a_server_already_running_is_never_tuned_or_restarted(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    try:
        monkeypatch.setenv("CRM_PG_TUNE", "0")
        state = start(folder)
        assert settings_of(state.url)["shared_buffers"] == "128MB"
        pid = postmaster_pid(folder)

        monkeypatch.setenv("CRM_PG_TUNE", "1")
        again = start(folder)
        assert not again.started_here
        assert postmaster_pid(folder) == pid
        assert settings_of(again.url)["shared_buffers"] == "128MB"
        auto_conf = (folder / "postgres" / "postgresql.auto.conf").read_text()
        assert "shared_buffers" not in auto_conf

        # With the switch off, a start leaves pgserver's defaults too.
        monkeypatch.setenv("CRM_PG_TUNE", "0")
        dev.stop_postgres(folder)
        state = start(folder)
        assert state.started_here
        assert settings_of(state.url)["shared_buffers"] == "128MB"
    finally:
        dev.stop_postgres(folder)
