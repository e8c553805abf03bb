"""The production compose file, read as docker compose reads it (no Docker engine runs here).

The image itself is built and started by tests/platform/test_image_build.py, which replays
the Dockerfile; these checks are the fast ones: the services and their wiring, and that the
environment compose gives the app (from `.env`, made by copying `.env.example`) is all that
production settings need.
"""

import os
import subprocess
import sys

from tests.platform.deployment import (
    BASE_DIR,
    MissingVariable,
    command_of,
    dockerfile,
    env_assignments,
    environment_of,
    interpolate,
    load_compose,
    read_env_file,
)

APP_SERVICES = ("migrate", "web", "worker", "beat")


def test_compose_has_the_five_services_with_health_checks():
    services = load_compose()["services"]
    assert set(services) >= {"postgres", "redis", "web", "worker", "beat"}
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")
    for name in ("postgres", "redis", "web", "worker", "beat"):
        assert "test" in services[name]["healthcheck"], f"{name} has no health check"


def test_data_services_keep_their_data_in_volumes():
    compose = load_compose()
    for name in ("postgres", "redis"):
        volumes = compose["services"][name]["volumes"]
        assert any(str(v).split(":")[0] in compose["volumes"] for v in volumes)


def test_app_services_run_the_right_programs_and_wait_for_healthy_data_services():
    services = load_compose()["services"]
    # The web runs the image's CMD, the very command the image build test starts.
    web = command_of(services["web"])
    assert web[0] == "gunicorn" and "crm_site.wsgi:application" in web
    worker = command_of(services["worker"])
    assert worker[:4] == ["celery", "-A", "crm_site", "worker"]
    beat = command_of(services["beat"])
    assert beat[:4] == ["celery", "-A", "crm_site", "beat"]
    assert "crm_site.beat:SingleBeatScheduler" in beat
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"


def test_migrations_run_once_per_release_before_the_app_starts():
    services = load_compose()["services"]
    assert command_of(services["migrate"]) == ["python", "manage.py", "migrate", "--noinput"]
    assert services["migrate"]["restart"] == "no"
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        ), name


def test_every_variable_compose_needs_is_in_env_example():
    """`cp .env.example .env` gives compose every variable it interpolates without a default
    (`${SECRET_KEY:?...}` stops `docker compose up` when it is missing)."""
    example = read_env_file(BASE_DIR / ".env.example")
    try:
        interpolate(load_compose(), example)
    except MissingVariable as missing:
        raise AssertionError(
            f"docker-compose.yml needs {missing.args[0]} but .env.example does not set it"
        ) from None


def compose_environment(service: str) -> dict[str, str]:
    """What a container of the service sees, as compose builds it from `.env` (here, the
    example copied as is): the image's ENV, then `env_file`, then `environment`."""
    compose = load_compose()
    spec = compose["services"][service]
    env_files = spec["env_file"] if isinstance(spec["env_file"], list) else [spec["env_file"]]
    assert env_files == [".env"], f"{service} reads {env_files}: this test reads .env.example"
    dotenv = read_env_file(BASE_DIR / ".env.example")
    image_env = {}
    for instruction in dockerfile():
        if instruction.keyword == "ENV":
            image_env.update(env_assignments(instruction))
    return {**image_env, **dotenv, **interpolate(environment_of(spec), dotenv)}


# `python manage.py check` as the image runs it: without the embedded servers' module.
MANAGE_PY_CHECK_WITHOUT_EMBEDDED_SERVERS = (
    "import runpy, sys\n"
    "sys.modules['ops.dev'] = None\n"
    "sys.argv = ['manage.py', 'check']\n"
    "runpy.run_path('manage.py', run_name='__main__')\n"
    "from django.conf import settings\n"
    "assert not settings.DEBUG\n"
)


def test_production_settings_start_with_the_environment_compose_gives_the_app():
    """Every variable production settings require is given to the app by compose, from a
    `.env` copied from `.env.example`. The image has no embedded PostgreSQL or Redis (the
    `[embedded]` extra is not installed), so they are blocked here as well: a missing
    DATABASE_URL must fail, not start a server of its own."""
    environments = {}
    for service in APP_SERVICES:
        environment = compose_environment(service)
        assert environment.get("DEBUG") == "0", service
        environments.setdefault(tuple(sorted(environment.items())), []).append(service)
    for environment, services in environments.items():
        started = subprocess.run(
            [
                sys.executable,
                "-c",
                MANAGE_PY_CHECK_WITHOUT_EMBEDDED_SERVERS,
            ],
            cwd=BASE_DIR,
            env={**dict(environment), "PATH": os.environ["PATH"], "LANG": "C.UTF-8"},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert started.returncode == 0, f"{services}:\n{started.stderr[-3000:]}"


def test_the_database_server_is_tuned_to_its_host_with_defaults_for_16_gb():
    """shared_buffers a quarter of the host's memory and effective_cache_size about 65%, as
    the embedded server is tuned (ops/dev.py): the defaults are those of a 16 GB host, and
    `.env` sets them for another."""
    postgres = load_compose()["services"]["postgres"]
    example = read_env_file(BASE_DIR / ".env.example")

    def settings_given(variables: dict[str, str]) -> dict[str, str]:
        command = interpolate(command_of(postgres), variables)
        assert command[0] == "postgres"
        options = [command[i + 1] for i, word in enumerate(command) if word == "-c"]
        return dict(option.split("=", 1) for option in options)

    assert settings_given(example) == {"shared_buffers": "4GB", "effective_cache_size": "10GB"}
    bigger = {
        **example,
        "POSTGRES_SHARED_BUFFERS": "8GB",
        "POSTGRES_EFFECTIVE_CACHE_SIZE": "42GB",
    }
    assert settings_given(bigger) == {"shared_buffers": "8GB", "effective_cache_size": "42GB"}
