"""`make run` (ops/dev.py): quiet progress, then the URL, the logins and where the logs are,
printed last; what its processes say goes to files under the data folder; Ctrl-C stops them."""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import django
import pytest
from django.conf import settings

from accounts.demo import CAST, DEMO_PASSWORD
from ops import dev


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def suite_services(environ: dict[str, str]) -> dict[str, str]:
    """The environment with the PostgreSQL and Redis the suite itself uses, so a process
    started with it never starts embedded servers of its own."""
    database = settings.DATABASES["default"]
    return {
        **environ,
        "DATABASE_URL": os.environ.get("DATABASE_URL")
        or f"postgresql://{database['USER']}:@/crm?host={database['HOST']}",
        "REDIS_URL": settings.CELERY_BROKER_URL,
    }


def test_the_banner_gives_the_url_every_demo_login_and_the_log_folder(tmp_path):
    layout = dev.RunLayout(tmp_path / "data")
    text = dev.banner(port=8123, layout=layout, debug=False)
    assert "http://127.0.0.1:8123/" in text
    lines = text.splitlines()
    for username, *_rest in CAST:
        [line] = [line for line in lines if line.split()[:1] == [username]]
        assert DEMO_PASSWORD in line
    assert "mary     xindai-demo   manager, North branch" in text
    assert f"{tmp_path / 'data' / 'logs'}/" in text
    assert "Ctrl-C stops everything" in text
    assert "technical pages" not in text
    assert "DEBUG is on" in dev.banner(port=8123, layout=layout, debug=True)


def test_the_banner_lists_exactly_the_users_seed_demo_creates():
    assert [name for name, _role in dev.DEMO_LOGINS] == [row[0] for row in CAST]
    assert dev.DEMO_PASSWORD == DEMO_PASSWORD


def test_make_run_turns_debug_off_unless_asked_and_the_callers_values_win(tmp_path):
    layout = dev.RunLayout(tmp_path / "data")
    embedded = dev.Services(
        database=dev.ServiceState("postgresql://postgres:@/crm?host=/x", True),
        redis=dev.ServiceState("redis+socket:///x/redis.sock", True),
    )
    env = dev.run_environment(layout=layout, services=embedded, environ={"PATH": "/bin"})
    assert env["DEBUG"] == "0"
    assert env["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend"
    assert env["EMAIL_FILE_PATH"] == str(tmp_path / "data" / "logs" / "mail")
    assert env["STATIC_ROOT"] == str(tmp_path / "data" / "static")
    assert env["SECURE_SSL_REDIRECT"] == env["SECURE_COOKIES"] == "0"
    assert env["DATABASE_URL"] == "postgresql://postgres:@/crm?host=/x"
    assert env["PATH"] == "/bin"

    steps = dev.setup_steps(env=env, embedded_database=True)
    assert [argv for _label, argv in steps] == [
        ["migrate", "--noinput"],
        ["collectstatic", "--noinput"],
        ["seed_demo", "--force"],
    ]
    # The public demo password never goes into a database the caller named.
    named = dev.setup_steps(env=env, embedded_database=False)
    assert ["seed_demo"] in [argv for _label, argv in named]

    developer = dev.run_environment(
        layout=layout, services=embedded, environ={"DEBUG": "1", "EMAIL_BACKEND": "x.Backend"}
    )
    assert developer["DEBUG"] == "1"
    assert developer["EMAIL_BACKEND"] == "x.Backend"
    assert [argv for _label, argv in dev.setup_steps(env=developer, embedded_database=True)] == [
        ["migrate", "--noinput"],
        ["seed_demo"],
    ]


def test_with_debug_off_django_starts_reads_the_same_data_and_mails_to_files(tmp_path):
    """The settings `make run` gives its processes: Django starts with DEBUG off, with the
    field keys the development data was encrypted with, and a sent mail lands in a file."""
    layout = dev.RunLayout(tmp_path / "data")
    environ = suite_services(
        {
            key: value
            for key, value in os.environ.items()
            if key not in {"DEBUG", "EMAIL_BACKEND", "DJANGO_ALLOW_ASYNC_UNSAFE"}
        }
    )
    env = dev.run_environment(
        layout=layout, services=dev.Services(database=None, redis=None), environ=environ
    )
    code = (
        "import json, django; django.setup()\n"
        "from django.conf import settings\n"
        "from django.core.mail import send_mail\n"
        "send_mail('Repayment due', 'Your instalment is due.', None, ['wang@example.com'])\n"
        "print(json.dumps({'debug': settings.DEBUG, 'keys': settings.FIELD_ENCRYPTION_KEYS,"
        " 'hash': settings.FIELD_HASH_KEY}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env={**env, "DJANGO_SETTINGS_MODULE": "crm_site.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    started = json.loads(result.stdout.strip().splitlines()[-1])
    assert started["debug"] is False
    assert started["keys"] == settings.FIELD_ENCRYPTION_KEYS
    assert started["hash"] == settings.FIELD_HASH_KEY
    [mail] = list(layout.mail.iterdir())
    assert "Your instalment is due." in mail.read_text()
    assert "Your instalment is due." not in result.stdout + result.stderr


def fake_children(layout: dev.RunLayout, port: int, *, web_lives: float) -> list[dev.Child]:
    """Stand-ins for runserver, the worker and beat: they talk, and the web one listens."""
    web = (
        "import socket, sys, time\n"
        f"server = socket.create_server(('127.0.0.1', {port}))\n"
        "print('web: listening', flush=True)\n"
        f"time.sleep({web_lives})\n"
        "print('web: something broke', file=sys.stderr, flush=True)\n"
        "sys.exit(3)\n"
    )
    chatty = "import time\nprint('{name}: ready', flush=True)\ntime.sleep(60)\n"
    return [
        dev.Child("web", [sys.executable, "-c", web], layout.log_of("web")),
        dev.Child(
            "worker",
            [sys.executable, "-c", chatty.format(name="worker")],
            layout.log_of("worker"),
        ),
        dev.Child(
            "beat", [sys.executable, "-c", chatty.format(name="beat")], layout.log_of("beat")
        ),
    ]


@pytest.fixture
def supervisor(tmp_path, monkeypatch):
    """`command_run` with real child processes standing in for the servers, on no services,
    its one set-up step a real manage.py command; the suite's signal handlers put back after."""
    folder = tmp_path / "data"
    monkeypatch.setenv("CRM_DATA_DIR", str(folder))
    monkeypatch.delenv("DEBUG", raising=False)
    for name, value in suite_services({}).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(dev, "services_from_environment", lambda: dev.Services(None, None))
    monkeypatch.setattr(dev, "_stop_started", lambda services: None)
    monkeypatch.setattr(
        dev, "setup_steps", lambda **_kwargs: [("Migrating the database", ["version"])]
    )
    started: list[subprocess.Popen] = []
    start_child = dev.start_child

    def recording_start_child(child, env):
        started.append(start_child(child, env))
        return started[-1]

    monkeypatch.setattr(dev, "start_child", recording_start_child)
    handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    yield dev.RunLayout(folder), started
    for signum, handler in handlers.items():
        signal.signal(signum, handler)
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_ctrl_c_after_the_banner_stops_everything_and_nothing_else_is_printed(
    supervisor, monkeypatch, capfd
):
    layout, started = supervisor
    port = free_port()
    monkeypatch.setattr(
        dev, "run_children", lambda **_kw: fake_children(layout, port, web_lives=60)
    )
    banner_printed = threading.Event()
    banner = dev.banner

    def noting_banner(**kwargs):
        banner_printed.set()
        return banner(**kwargs)

    monkeypatch.setattr(dev, "banner", noting_banner)

    def press_ctrl_c():
        if banner_printed.wait(60):
            os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=press_ctrl_c, daemon=True).start()
    assert dev.command_run(port) == 0

    out, err = capfd.readouterr()
    assert err == ""
    assert out.splitlines()[:3] == [
        "  Starting PostgreSQL and Redis… done",
        "  Migrating the database… done",
        "  Starting the web server, a Celery worker and beat… done",
    ]
    # The banner is the last thing on the terminal, and the processes' chatter is not on it.
    assert out.rstrip().endswith(f"http://127.0.0.1:{port}/healthz   Ctrl-C stops everything.")
    assert "alice" in out
    assert "ready" not in out and "listening" not in out and "[ ]" not in out
    # It all went to the files under the data folder instead.
    assert "web: listening" in layout.log_of("web").read_text()
    assert "worker: ready" in layout.log_of("worker").read_text()
    assert "beat: ready" in layout.log_of("beat").read_text()
    assert django.get_version() in layout.setup_log.read_text()
    assert len(started) == 3
    assert all(process.poll() is not None for process in started)


def test_a_process_that_dies_is_reported_with_its_log_and_the_others_stop(
    supervisor, monkeypatch, capfd
):
    layout, started = supervisor
    port = free_port()
    monkeypatch.setattr(dev, "run_children", lambda **_kw: fake_children(layout, port, web_lives=3))
    assert dev.command_run(port) == 1

    out, err = capfd.readouterr()
    assert out.rstrip().endswith("Ctrl-C stops everything.")
    assert f"The web process stopped (exit code 3). Its log: {layout.log_of('web')}" in err
    assert "web: something broke" in err
    assert all(process.poll() is not None for process in started)


def test_a_failed_setup_step_says_which_and_shows_its_log(supervisor, monkeypatch, capfd):
    layout, started = supervisor
    monkeypatch.setattr(
        dev, "setup_steps", lambda **_kwargs: [("Loading the demo data", ["no_such_command"])]
    )
    assert dev.command_run(free_port()) == 1

    out, err = capfd.readouterr()
    assert out.splitlines()[-1] == "  Loading the demo data… failed"
    assert f"Loading the demo data (exit code 1). Its log: {layout.setup_log}" in err
    assert "Unknown command: 'no_such_command'" in err
    assert started == []
    assert Path(layout.setup_log).exists()
