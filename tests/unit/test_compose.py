"""docker-compose.yml cannot run here (no Docker engine), so its parts are checked instead."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import yaml

from hub.cli import main
from tests.conftest import REPOSITORY


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((REPOSITORY / "docker-compose.yml").read_text())
    return loaded


def test_compose_runs_kafka_the_hub_the_three_connectors_and_tracing() -> None:
    services = _compose()["services"]

    assert {"kafka", "hub", "police", "courts", "koda", "otel-collector", "jaeger"} <= set(services)
    assert services["kafka"]["image"].startswith("apache/kafka:4.")


def test_every_built_service_runs_a_hub_command_that_exists() -> None:
    for name, service in _compose()["services"].items():
        if "build" not in service:
            continue
        assert (REPOSITORY / service["build"] / "Dockerfile").is_file(), name
        if "command" not in service:  # its own entrypoint (the keys service)
            continue
        command = service["command"][0]
        assert command in main.commands, f"{name}: hub {command}"
        if len(service["command"]) > 1 and not service["command"][1].startswith("-"):
            group = main.commands[command]
            assert isinstance(group, click.Group)
            assert service["command"][1] in group.commands, f"{name}: {service['command']}"


def test_every_connector_service_has_its_connector_in_the_project() -> None:
    for agency in ("police", "courts", "koda"):
        assert _compose()["services"][agency]["command"] == ["connector", agency]
        assert (REPOSITORY / "connectors" / agency).is_dir()


def test_every_mounted_file_exists_in_the_repository() -> None:
    for name, service in _compose()["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (REPOSITORY / Path(source)).exists(), f"{name}: {source}"


def test_the_hub_and_every_connector_sign_with_keys_made_once_for_each_organisation() -> None:
    services = _compose()["services"]
    generated = " ".join(services["keys"]["entrypoint"])
    assert "for org in police courts koda hub" in generated and "hub keys generate" in generated
    for name in ("hub", "police", "courts", "koda", "console"):
        assert "keys:/keys" in services[name]["volumes"], name
        environment = services[name]["environment"]
        assert environment["HUB_JWKS_DIR"] == "/keys/public", name
        assert environment["HUB_SIGNING_KEYS_DIR"] == "/keys/private", name


def test_the_image_carries_the_routes_the_hub_loads() -> None:
    dockerfile = (REPOSITORY / "Dockerfile").read_text()
    assert "COPY routes ./routes" in dockerfile
    assert "HUB_ROUTES=/app/routes/routes.yaml" in dockerfile


def test_the_console_is_published_on_the_hosts_loopback_only() -> None:
    console = _compose()["services"]["console"]
    assert console["ports"] == ["127.0.0.1:8765:8765"]
    assert console["environment"]["HUB_CONSOLE_USERS"] == "/console/users.yaml"
