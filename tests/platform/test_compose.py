"""No Docker engine runs here, so the production compose file is checked by reading it."""

from pathlib import Path

import yaml
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)


def load_compose() -> dict:
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


def command_of(service: dict) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else command


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
    assert "gunicorn" in command_of(services["web"])
    assert "crm_site.wsgi" in command_of(services["web"])
    assert "celery" in command_of(services["worker"]) and "worker" in command_of(services["worker"])
    beat = command_of(services["beat"])
    assert "beat" in beat and "crm_site.beat:SingleBeatScheduler" in beat
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"


def test_migrations_and_static_files_run_on_release():
    services = load_compose()["services"]
    release = command_of(services["migrate"])
    assert "migrate" in release
    assert services["web"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully"
    )
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    assert "collectstatic" in dockerfile


def test_app_services_are_configured_by_environment():
    compose = load_compose()
    for name in ("web", "worker", "beat", "migrate"):
        service = compose["services"][name]
        environment = service.get("environment", {})
        env_files = service.get("env_file", [])
        names = (
            set(environment)
            if isinstance(environment, dict)
            else {item.split("=")[0] for item in environment}
        )
        assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS"} <= names or env_files
        assert environment.get("DEBUG") == "0"
