"""The partner-style project runs the plugin as a partner's CI would: pytest, in its own folder."""

from __future__ import annotations

import inspect
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from testcontainers.community.kafka import KafkaContainer

from hub.settings import KafkaSettings
from tests.contract.conftest import PARTNER_PROJECT, REPOSITORY

pytestmark = pytest.mark.contract


def _partner_copy(tmp_path: Path) -> Path:
    return Path(
        shutil.copytree(
            PARTNER_PROJECT, tmp_path / "partner", ignore=shutil.ignore_patterns("__pycache__")
        )
    )


def _pytest(project: Path, *args: str, **env_vars: str) -> subprocess.CompletedProcess[str]:
    """`pytest ARGS` in the partner's folder, with none of this session's settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "HUB_"))}
    env.update(env_vars)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rf", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_the_partner_project_passes_with_the_plugin(tmp_path: Path) -> None:
    result = _pytest(_partner_copy(tmp_path))

    assert result.returncode == 0, result.stdout + result.stderr
    assert " passed" in result.stdout and "failed" not in result.stdout


def test_a_partner_connector_emitting_a_non_conforming_event_fails_naming_the_problem(
    tmp_path: Path,
) -> None:
    project = _partner_copy(tmp_path)
    # A date written the Norwegian way, not as the schema's RFC 3339 date.
    _edit(
        project / "src" / "lovisa_connector" / "events.py",
        '"renderedOn": rendered_on.isoformat(),',
        '"renderedOn": rendered_on.strftime("%d.%m.%Y"),',
    )

    result = _pytest(project)

    assert result.returncode == 1
    assert (
        "FAILED tests/test_hub_contracts.py::test_hub_contract[publishes judgment.rendered v1]"
        in result.stdout
    )
    assert (
        "judgment.rendered v1 at /renderedOn: the hub rejects it (SCHEMA_INVALID)" in result.stdout
    )
    assert "[built by lovisa_connector.events]" in result.stdout


def test_a_partner_handler_reading_a_field_its_contract_omits_fails(tmp_path: Path) -> None:
    project = _partner_copy(tmp_path)
    _edit(
        project / "src" / "lovisa_connector" / "handlers.py",
        '"registeredAt": case["registeredAt"],',
        '"registeredAt": case["registeredAt"], "where": case["policeDistrict"]["name"],',
    )

    result = _pytest(project)

    assert result.returncode == 1
    assert (
        "FAILED tests/test_hub_contracts.py::test_hub_contract[receives case.registered]"
        in result.stdout
    )
    assert "cut to the contract's reads: KeyError: 'name'" in result.stdout


@pytest.mark.integration
def test_the_partner_smoke_test_passes_against_a_real_broker(
    tmp_path: Path, kafka: KafkaSettings
) -> None:
    # Partner CI gets Kafka from testcontainers; here the session's broker stands in.
    result = _pytest(_partner_copy(tmp_path), "smoke", HUB_KAFKA_BOOTSTRAP=kafka.bootstrap)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_the_documented_partner_ci_runs_what_the_partner_project_has() -> None:
    workflow = yaml.safe_load((REPOSITORY / "docs" / "partner-ci.github-actions.yml").read_text())
    runs = [
        step["run"] for job in workflow["jobs"].values() for step in job["steps"] if "run" in step
    ]

    pytest_targets = [run.split()[1] for run in runs if run.startswith("pytest ")]
    assert pytest_targets == ["tests", "smoke"]
    assert all((PARTNER_PROJECT / target).is_dir() for target in pytest_targets)
    assert workflow["jobs"]["kafka-smoke"]["needs"] == "contracts"
    # The image pulled ahead is the one testcontainers starts.
    image = inspect.signature(KafkaContainer).parameters["image"].default
    assert f"docker pull {image}" in runs
