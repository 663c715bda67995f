"""Fixtures for the contract checks: copies of the data files to break, and the CLI."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from hub.cli import main

REPOSITORY = Path(__file__).resolve().parents[2]
PARTNER_PROJECT = Path(__file__).resolve().parent / "partner_project"

# The partner-style project has its own tests, run by test_partner_project.py in a
# subprocess, as its CI would: the hub's suite must not collect them itself.
collect_ignore = ["partner_project"]


@pytest.fixture
def schemas_copy(tmp_path: Path) -> Path:
    """A copy of the repository's schemas/ to change."""
    return Path(shutil.copytree(REPOSITORY / "schemas", tmp_path / "schemas"))


@pytest.fixture
def routes_copy(tmp_path: Path) -> Path:
    """A copy of routes/routes.yaml to change."""
    return Path(shutil.copyfile(REPOSITORY / "routes" / "routes.yaml", tmp_path / "routes.yaml"))


@pytest.fixture
def contracts_copy(tmp_path: Path) -> Path:
    """A copy of the repository's contracts/ to change."""
    return Path(shutil.copytree(REPOSITORY / "contracts", tmp_path / "contracts"))


Hub = Callable[..., tuple[int, Any]]


@pytest.fixture
def hub() -> Hub:
    """Run `hub ARGS... --json` as a user does; (exit code, the JSON it printed)."""

    def run(*args: str) -> tuple[int, Any]:
        result = CliRunner().invoke(main, [*args, "--json"])
        return result.exit_code, json.loads(result.stdout)

    return run
