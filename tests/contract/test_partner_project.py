"""The partner-style project runs the plugin as a partner's CI would: pytest, in its own folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.contract.conftest import PARTNER_PROJECT

pytestmark = pytest.mark.contract


def _partner_copy(tmp_path: Path) -> Path:
    return Path(
        shutil.copytree(
            PARTNER_PROJECT, tmp_path / "partner", ignore=shutil.ignore_patterns("__pycache__")
        )
    )


def _pytest(project: Path) -> subprocess.CompletedProcess[str]:
    """`pytest` in the partner's folder, with none of this session's settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "HUB_"))}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rf"],
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
