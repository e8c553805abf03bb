"""The production image, built by replaying its Dockerfile, and started as docker compose
starts it.

No Docker engine runs here, so the Dockerfile is read and replayed step by step: what it
says is what is tested, and a change to it is tested too. The build context is copied as
`COPY . .` copies it (by .dockerignore's rules) into a scratch folder standing for the
image's WORKDIR; a scratch virtualenv of the same Python as the base image stands for the
base image's Python and comes first on PATH; the ENV lines apply to every later line, and
the RUN lines run in order, through /bin/sh, in that folder. Then the app is started from
what was built: the CMD (gunicorn) and compose's worker, in the WORKDIR, with the image's
ENV and the environment compose gives the containers, against this test session's
PostgreSQL and Redis.

Where a container and this machine differ, the replay departs from the Dockerfile by these
rules only, each narrow and explicit:
- A RUN line that only creates a system account (`useradd`/`groupadd` alone) is skipped,
  and USER is not switched to: the tests run as whoever runs them.
- pip may keep its cache between runs (the image sets PIP_NO_CACHE_DIR=1 to stay small;
  that one variable is dropped here), and it reaches this machine's package index through
  the PIP_*, certificate and proxy variables of the test's own environment, as a docker
  build reaches the network of the machine it runs on.
- gunicorn listens on a free port of 127.0.0.1 rather than the CMD's 0.0.0.0:8000 (the port
  EXPOSE names and compose publishes), which may be taken here; compose's health check is
  pointed at that port.
- Compose's `postgres` and `redis` are this test session's servers (DATABASE_URL and
  REDIS_URL); the worker gets a Redis of its own, so its health check cannot be answered by
  another test's worker.

The build is slow (one to two minutes: a fresh virtualenv, `pip install .` from pip's cache,
collectstatic), so it runs once per test session, shared by the processes of `pytest -n`.
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import fcntl
import http.client
import json
import os
import re
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.utils import translation

from ops import dev
from tests.platform.deployment import (
    BASE_DIR,
    Instruction,
    command_of,
    copy_build_context,
    dockerfile,
    env_assignments,
    environment_of,
    exec_form,
    interpolate,
    load_compose,
    read_env_file,
)
from tests.platform.test_celery_worker import database_url_of_the_test_database
from tests.platform.test_fault_tolerance import free_port, wait_for

# RUN lines that only create the account the container runs as: skipped (see above).
ACCOUNT_COMMANDS = {"useradd", "groupadd", "adduser", "addgroup"}
SHELL_OPERATORS = ("&&", "||", ";", "|", "\n")
# How pip on this machine reaches its package index (a docker build has the host's network).
REGISTRY_ACCESS = {
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
}
# What an operator writes over the placeholders of .env.example.
OPERATOR_SECRETS = {
    "SECRET_KEY": secrets.token_urlsafe(50),
    "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    "FIELD_HASH_KEY": secrets.token_urlsafe(48),
    "POSTGRES_PASSWORD": secrets.token_urlsafe(16),
}
STEP_TIMEOUT = 900


# --- Replaying the Dockerfile ---------------------------------------------------------------


@dataclasses.dataclass
class BuiltImage:
    folder: Path  # the scratch folder: rootfs/ (the image's files), venv/, logs
    workdir: Path  # WORKDIR, inside rootfs/
    venv: Path
    env: dict[str, str]  # the image's ENV
    cmd: list[str]
    exposed: list[str]
    user: str | None
    skipped: list[str]

    def save(self) -> None:
        fields = {k: str(v) if isinstance(v, Path) else v for k, v in vars(self).items()}
        (self.folder / "image.json").write_text(json.dumps(fields))

    @classmethod
    def load(cls, folder: Path) -> BuiltImage:
        fields = json.loads((folder / "image.json").read_text())
        for name in ("folder", "workdir", "venv"):
            fields[name] = Path(fields[name])
        return cls(**fields)

    def path_with_venv_first(self) -> str:
        return f"{self.venv / 'bin'}:/usr/local/bin:/usr/bin:/bin"


def build_environment(image: BuiltImage) -> dict[str, str]:
    inherited = {
        name: value
        for name, value in os.environ.items()
        if name.startswith("PIP_") or name in REGISTRY_ACCESS
    }
    env = {
        **inherited,
        "PATH": image.path_with_venv_first(),
        "HOME": os.environ.get("HOME", str(image.folder)),
        "LANG": "C.UTF-8",
        **image.env,
    }
    # The one departure from the image's ENV: pip keeps its cache here.
    env.pop("PIP_NO_CACHE_DIR", None)
    return env


def is_account_creation(instruction: Instruction) -> bool:
    command = instruction.argument
    if command.startswith("[") or any(op in command for op in SHELL_OPERATORS):
        return False
    return shlex.split(command)[0] in ACCOUNT_COMMANDS


def run_step(image: BuiltImage, instruction: Instruction, log: Path) -> None:
    with open(log, "a") as output:
        output.write(f"\n### {instruction}\n")
        output.flush()
        done = subprocess.run(
            exec_form(instruction),
            cwd=image.workdir,
            env=build_environment(image),
            stdout=output,
            stderr=subprocess.STDOUT,
            timeout=STEP_TIMEOUT,
        )
    assert done.returncode == 0, (
        f"{instruction} failed ({done.returncode}):\n{log.read_text()[-6000:]}"
    )


def base_python(instruction: Instruction) -> None:
    """The scratch virtualenv is made from the Python running the tests: it must be the
    version of the base image."""
    match = re.fullmatch(r"python:(\d+)\.(\d+)[.\w-]*", instruction.argument)
    assert match, f"{instruction}: only an official python:X.Y image can be replayed here"
    wanted = (int(match[1]), int(match[2]))
    assert sys.version_info[:2] == wanted, (
        f"{instruction}: the image runs Python {wanted}, these tests run {sys.version_info[:2]}"
    )


def replay_dockerfile(folder: Path) -> BuiltImage:
    rootfs = folder / "rootfs"
    rootfs.mkdir(parents=True)
    image = BuiltImage(
        folder=folder,
        workdir=rootfs,
        venv=folder / "venv",
        env={},
        cmd=[],
        exposed=[],
        user=None,
        skipped=[],
    )
    log = folder / "build.log"
    instructions = dockerfile()
    assert [i.keyword for i in instructions].count("FROM") == 1, "one stage is replayed"
    for instruction in instructions:
        keyword = instruction.keyword
        if keyword == "FROM":
            base_python(instruction)
            subprocess.run([sys.executable, "-m", "venv", str(image.venv)], check=True)
        elif keyword == "ENV":
            image.env.update(env_assignments(instruction))
        elif keyword == "WORKDIR":
            assert instruction.argument.startswith("/"), f"{instruction}: an absolute path"
            image.workdir = rootfs / instruction.argument.lstrip("/")
            image.workdir.mkdir(parents=True, exist_ok=True)
        elif keyword == "COPY":
            source, destination = instruction.argument.split()
            assert source == "." and not destination.startswith("-"), (
                f"{instruction}: only `COPY . <folder>` is replayed"
            )
            target = (
                rootfs / destination.lstrip("/")
                if destination.startswith("/")
                else image.workdir / destination
            )
            copy_build_context(BASE_DIR, target)
        elif keyword == "RUN":
            if is_account_creation(instruction):
                image.skipped.append(str(instruction))
                continue
            run_step(image, instruction, log)
        elif keyword == "USER":
            image.user = instruction.argument
        elif keyword == "EXPOSE":
            image.exposed.extend(instruction.argument.split())
        elif keyword == "CMD":
            image.cmd = exec_form(instruction)
        else:
            raise AssertionError(f"{instruction}: this test does not replay {keyword} yet")
    assert image.cmd, "The Dockerfile has no CMD"
    return image


@contextlib.contextmanager
def _locked(path: Path):
    with open(path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def built_image(tmp_path_factory) -> BuiltImage:
    """The image, built once per test session: under `pytest -n` the first process builds it
    and the others wait for it (the folder above each process's own is the session's)."""
    session_folder = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        session_folder = session_folder.parent
    folder = session_folder / "image-build"
    with _locked(session_folder / "image-build.lock"):
        if (folder / "image.json").exists():
            return BuiltImage.load(folder)
        failure = folder / "failed.txt"
        if failure.exists():
            raise AssertionError(f"The image build failed:\n{failure.read_text()}")
        try:
            image = replay_dockerfile(folder)
        except AssertionError as error:
            failure.write_text(str(error))
            raise
        image.save()
        return image


# --- Running what was built -----------------------------------------------------------------


def app_environment(image: BuiltImage, service: str, *, redis_url: str) -> dict[str, str]:
    """A container of the compose service: the image's ENV, then `env_file` (.env, an
    operator's copy of .env.example with its secrets filled in), then the service's
    `environment`, interpolated from that .env. Compose's postgres and redis are this test
    session's."""
    spec = load_compose()["services"][service]
    assert spec["env_file"] in (".env", [".env"]), f"{service} reads {spec['env_file']}"
    dotenv = read_env_file(BASE_DIR / ".env.example")
    assert set(OPERATOR_SECRETS) <= set(dotenv), ".env.example lists the secrets to fill in"
    dotenv.update(OPERATOR_SECRETS)
    home = image.folder / "home"
    home.mkdir(exist_ok=True)
    env = {
        "PATH": image.path_with_venv_first(),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "HOSTNAME": socket.gethostname(),
        **image.env,
        **dotenv,
        **interpolate(environment_of(spec), dotenv),
    }
    assert {"DATABASE_URL", "REDIS_URL"} <= set(env), f"compose gives {service} no services"
    env["DATABASE_URL"] = database_url_of_the_test_database()
    env["REDIS_URL"] = redis_url
    return env


def run_in_image(image: BuiltImage, args: list[str], env: dict[str, str], timeout=120):
    return subprocess.run(
        args, cwd=image.workdir, env=env, capture_output=True, text=True, timeout=timeout
    )


def start_in_image(image: BuiltImage, name: str, args: list[str], env: dict[str, str]):
    log = image.folder / f"{name}-{os.getpid()}.log"
    with open(log, "w") as output:
        process = subprocess.Popen(
            args,
            cwd=image.workdir,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    process.log = log
    return process


def stop(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)


def with_bind(cmd: list[str], address: str) -> list[str]:
    """The CMD with gunicorn's --bind address replaced (the only change made to it)."""
    for index, argument in enumerate(cmd):
        if argument == "--bind":
            return [*cmd[: index + 1], address, *cmd[index + 2 :]]
        if argument.startswith("--bind="):
            return [*cmd[:index], f"--bind={address}", *cmd[index + 1 :]]
    raise AssertionError(f"The CMD {cmd} names no --bind address")


@dataclasses.dataclass
class Web:
    port: int
    host: str  # the first of ALLOWED_HOSTS, as the reverse proxy sends it
    env: dict[str, str]
    process: subprocess.Popen

    def get(self, path: str, *, proxied: bool = True, headers: dict | None = None):
        """A request as the TLS-terminating proxy forwards it (or, not proxied, as a client
        reaching the port directly over plain HTTP)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        sent = {"Host": self.host, **({"X-Forwarded-Proto": "https"} if proxied else {})}
        try:
            connection.request("GET", path, headers={**sent, **(headers or {})})
            response = connection.getresponse()
            return response.status, response.headers, response.read()
        finally:
            connection.close()


def healthz_status(web: Web) -> int:
    try:
        return web.get("/healthz")[0]
    except OSError:
        return 0


@pytest.fixture(scope="module")
def web(built_image, django_db_setup):
    """Compose's release: the migrate service's command, then the web (the image's CMD)."""
    env = app_environment(built_image, "web", redis_url=settings.CELERY_BROKER_URL)
    migrate = command_of(load_compose()["services"]["migrate"])
    migrated = run_in_image(built_image, migrate, env)
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr

    cmd = command_of(load_compose()["services"]["web"])
    assert cmd == built_image.cmd, "compose's web runs the image's CMD"
    bind = cmd[cmd.index("--bind") + 1] if "--bind" in cmd else ""
    assert bind.rpartition(":")[2] in {p.split("/")[0] for p in built_image.exposed}, (
        f"gunicorn binds {bind}, the image exposes {built_image.exposed}"
    )
    port = free_port()
    process = start_in_image(built_image, "web", with_bind(cmd, f"127.0.0.1:{port}"), env)
    running = Web(port, env["ALLOWED_HOSTS"].split(",")[0].strip(), env, process)
    try:
        wait_for(lambda: healthz_status(running) == 200, 90, "gunicorn from the image", process)
        yield running
    finally:
        stop(process)


# --- The tests ------------------------------------------------------------------------------


def test_the_image_runs_as_the_account_it_creates(built_image):
    """USER names an account of the image: the one its skipped `useradd` line creates."""
    assert built_image.user, "the image runs as root"
    created = [shlex.split(line.partition(": RUN ")[2])[-1] for line in built_image.skipped]
    assert created == [built_image.user], built_image.skipped


def product_packages(tree: Path) -> set[str]:
    """The top-level packages of the source tree the product runs: every local app of
    INSTALLED_APPS, the packages the settings name (URLs, WSGI), and every local package
    any of them imports or names in a dotted string ("customers.urls"), transitively."""
    local = {init.parent.name for init in tree.glob("*/__init__.py")}
    named = [
        *settings.INSTALLED_APPS,
        settings.ROOT_URLCONF,
        settings.WSGI_APPLICATION,
    ]
    needed = {name.split(".")[0] for name in named} & local
    queue = list(needed)
    while queue:
        package = queue.pop()
        for source in (tree / package).rglob("*.py"):
            for node in ast.walk(ast.parse(source.read_text(), str(source))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                    names = re.findall(r"\A[a-z_]+(?:\.[A-Za-z_]+)+\Z", node.value)
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top in local and top not in needed:
                        needed.add(top)
                        queue.append(top)
    return needed


# Run by the scratch virtualenv's Python from outside the copied sources (`-I`: neither the
# current folder nor PYTHON* variables on sys.path), so only the installed distribution can
# answer: Django starts with production settings and every app, the URLs and the WSGI
# application import, each from site-packages.
IMPORT_FROM_THE_DISTRIBUTION = """
import importlib, json, os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "crm_site.settings"
import django
django.setup()
from django.conf import settings
importlib.import_module(settings.ROOT_URLCONF)
importlib.import_module(settings.WSGI_APPLICATION.rpartition(".")[0])
importlib.import_module("crm_site.celery")
# Some are imported only on a path the image does not take (ops, for the embedded servers):
# each is imported here, from the distribution.
print(json.dumps({name: importlib.import_module(name).__file__ for name in sys.argv[1:]}))
"""


def test_the_installed_distribution_holds_every_package_the_product_runs(built_image):
    """`pip install .` (not editable) installs every app and package the product runs, with
    every file they have in the source tree: a package left out of pyproject.toml's package
    discovery fails here, whatever new app it is."""
    distribution = tomllib.loads((BASE_DIR / "pyproject.toml").read_text())["project"]["name"]
    python = str(built_image.venv / "bin" / "python")
    listed = subprocess.run(
        [
            python,
            "-I",
            "-c",
            "import importlib.metadata as m, json, sys;"
            "print(json.dumps([str(f) for f in m.distribution(sys.argv[1]).files]))",
            distribution,
        ],
        cwd=built_image.folder,
        capture_output=True,
        text=True,
        check=True,
    )
    installed = set(json.loads(listed.stdout))
    needed = product_packages(built_image.workdir)
    assert {"crm_site", "accounts", "customers", "dashboards"} <= needed  # the finder works

    missing = sorted(
        path.relative_to(built_image.workdir).as_posix()
        for package in needed
        for path in (built_image.workdir / package).rglob("*")
        if path.is_file()
        and "__pycache__" not in path.parts
        and path.relative_to(built_image.workdir).as_posix() not in installed
    )
    assert not missing, f"`pip install .` leaves out files of the product: {missing}"

    env = app_environment(built_image, "web", redis_url=settings.CELERY_BROKER_URL)
    imported = subprocess.run(
        [python, "-I", "-c", IMPORT_FROM_THE_DISTRIBUTION, *sorted(needed)],
        cwd=built_image.folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert imported.returncode == 0, imported.stderr[-3000:]
    site_packages = str(built_image.venv / "lib")
    for package, location in json.loads(imported.stdout).items():
        assert location.startswith(site_packages), f"{package} came from {location}"


def test_the_image_answers_healthz_with_production_settings(web):
    status, _, body = web.get("/healthz")
    assert status == 200, body
    health = json.loads(body)
    assert (health["status"], health["database"], health["redis"]) == ("ok", "ok", "ok")
    assert web.env["DEBUG"] == "0"


def test_composes_health_check_of_the_web_passes(built_image, web):
    probe = load_compose()["services"]["web"]["healthcheck"]["test"]
    assert probe[0] == "CMD", probe
    # Pointed at the port this web listens on (the one change).
    args = [argument.replace(":8000/", f":{web.port}/") for argument in probe[1:]]
    checked = run_in_image(built_image, args, web.env, timeout=60)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_image_serves_its_pages_static_files_and_translations(web):
    """Templates, the collected static files (with their hashed names, served by WhiteNoise)
    and the compiled Chinese catalogue are all in the image, where the settings look."""
    status, headers, body = web.get("/accounts/login/", headers={"Accept-Language": "zh-hans"})
    page = body.decode()
    assert status == 200, page[-3000:]
    with translation.override("zh-hans"):
        title = translation.gettext("Log in to Xindai CRM")
    assert title != "Log in to Xindai CRM" and title in page
    # Production settings are in force: HSTS, and no page kept by a cache.
    assert "max-age=" in headers["Strict-Transport-Security"]
    assert {"no-store", "private"} <= {part.strip() for part in headers["Cache-Control"].split(",")}

    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    assert len(assets) >= 5, page
    for asset in assets:
        assert re.search(r"\.[0-9a-f]{12}\.\w+$", asset), f"{asset} is not a collected name"
        asset_status, asset_headers, _ = web.get(asset)
        assert asset_status == 200, asset
        assert "no-store" not in asset_headers.get("Cache-Control", ""), asset

    # Straight to the port over plain HTTP, the page redirects to HTTPS.
    status, headers, _ = web.get("/accounts/login/", proxied=False)
    assert status == 301
    assert headers["Location"] == f"https://{web.host}/accounts/login/"


@pytest.mark.worker
def test_the_image_runs_a_worker_that_passes_composes_health_check(built_image, tmp_path):
    redis_folder = tmp_path / "redis"
    redis = dev.ensure_redis(redis_folder)
    worker = None
    try:
        env = app_environment(built_image, "worker", redis_url=redis.url)
        worker = start_in_image(
            built_image, "worker", command_of(load_compose()["services"]["worker"]), env
        )
        check = load_compose()["services"]["worker"]["healthcheck"]["test"]
        assert check[0] == "CMD-SHELL", check
        # Compose's `$$` is a `$` for the container's shell.
        health_check = ["/bin/sh", "-c", interpolate(check[1], {})]

        # Asked once the worker says it is ready (a ping before that waits out its timeout).
        wait_for(lambda: " ready." in worker.log.read_text(), 90, "the worker's start", worker)
        checked = run_in_image(built_image, health_check, env, timeout=60)
        assert checked.returncode == 0, checked.stdout + checked.stderr
    finally:
        if worker is not None:
            stop(worker)
        dev.stop_redis(redis_folder)
