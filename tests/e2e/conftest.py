"""Running the `hub` command as a user does: a subprocess with its own environment."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from hub.localbroker import LocalBroker
from tests.brokers import SessionBroker, started_local_broker


def run_hub(
    *args: str, env: Mapping[str, str] | None = None, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """`hub ARGS...` in a subprocess, with `env` added to this process's environment."""
    return subprocess.run(
        [sys.executable, "-m", "hub", *args],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def stopped(process: subprocess.Popen[Any], seconds: float = 30) -> int:
    """SIGTERM (a hub leaves its group at once), then SIGKILL if it has not stopped: its code."""
    if process.poll() is None:
        process.terminate()
    try:
        return process.wait(seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait(seconds)


@pytest.fixture(scope="session")
def local_broker(
    kafka_broker: SessionBroker, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalBroker]:
    """The project's own broker: the session's, or a second one when the session uses another."""
    if kafka_broker.local is not None:
        yield kafka_broker.local
    else:
        with started_local_broker(tmp_path_factory.mktemp("local-kafka")) as broker:
            yield broker


def broker_env(broker: LocalBroker) -> dict[str, str]:
    """The environment that points `hub broker` at `broker`."""
    settings = broker.settings
    return {
        "HUB_BROKER_PORT": str(settings.port),
        "HUB_BROKER_CONTROLLER_PORT": str(settings.controller_port),
        "HUB_BROKER_DIR": str(settings.data_dir),
        "HUB_CACHE_DIR": str(settings.cache_dir),
    }


def writable_script(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(0o755)
    return path
