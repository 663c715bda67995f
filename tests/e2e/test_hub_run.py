"""`hub run` as operations run it: a process with a health endpoint that stops cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest

from hub.kafka.admin import ensure_topics
from hub.kafka.topology import topology
from hub.localbroker.process import free_port
from hub.settings import KafkaSettings
from tests.conftest import REPOSITORY
from tests.e2e.conftest import run_hub, stopped
from tests.events import case_registered, new_case_id
from tests.kafka_io import collect, send

pytestmark = pytest.mark.e2e

# A new member makes the group `justice-hub` rebalance, and in-process hubs of other
# test modules may stay members for up to 10 s after their module ends.
DEADLINE = 60.0
T = TypeVar("T")


@pytest.fixture(scope="module")
def topics(kafka: KafkaSettings) -> KafkaSettings:
    ensure_topics(kafka, topology())
    return kafka


@dataclass(frozen=True)
class HubProcess:
    process: subprocess.Popen[bytes]
    health_port: int
    log: Path

    def status(self, path: str) -> int | None:
        """The HTTP status of GET `path` on the health port; None when nothing answers."""
        url = f"http://127.0.0.1:{self.health_port}{path}"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return error.code
        except (urllib.error.URLError, OSError):
            return None

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def wait_for(probe: Callable[[], T], what: str, hub: HubProcess, deadline: float = DEADLINE) -> T:
    """`probe()` once it is truthy; fails, with the hub's log, after `deadline` seconds."""
    until = time.monotonic() + deadline
    while not (found := probe()):
        assert hub.process.poll() is None, (
            f"hub run exited while waiting for {what}:\n{hub.output()}"
        )
        assert time.monotonic() < until, f"no {what} within {deadline} s:\n{hub.output()}"
        time.sleep(0.1)
    return found


@pytest.fixture
def hub_run(topics: KafkaSettings, tmp_path: Path) -> Iterator[HubProcess]:
    """`hub run` in a process of its own against the session's broker, stopped afterwards."""
    port, log = free_port(), tmp_path / "hub-run.log"
    command = [sys.executable, "-m", "hub", "run", "--instance-id", f"e2e-{uuid.uuid4().hex[:8]}",
               "--health-port", str(port)]  # fmt: skip
    env = {**os.environ, "HUB_KAFKA_BOOTSTRAP": topics.bootstrap}
    with log.open("wb") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        yield HubProcess(process, port, log)
    finally:
        stopped(process)  # it leaves the group, so the next member need not wait


def test_hub_run_is_live_at_once_ready_with_its_partitions_and_delivers(
    hub_run: HubProcess, topics: KafkaSettings
) -> None:
    live = wait_for(lambda: hub_run.status("/live"), "answer on /live", hub_run, deadline=20)
    assert live == 200

    wait_for(lambda: hub_run.status("/ready") == 200, "readiness", hub_run)
    case_id = new_case_id()
    send(topics, [case_registered(case_id)])

    assert len(collect(topics, "egress.courts", {case_id.encode()}, 1, timeout=DEADLINE)) == 1


def test_hub_run_stops_with_exit_code_0_within_30_s_of_sigterm(hub_run: HubProcess) -> None:
    wait_for(lambda: hub_run.status("/ready") == 200, "readiness", hub_run)

    hub_run.process.send_signal(signal.SIGTERM)

    assert hub_run.process.wait(30) == 0, hub_run.output()
    assert hub_run.status("/ready") is None
    assert "stopping after the batch in flight" in hub_run.output()


def test_hub_run_refuses_a_routes_file_with_an_unknown_type_naming_file_and_line(
    topics: KafkaSettings, tmp_path: Path
) -> None:
    lines = (REPOSITORY / "routes" / "routes.yaml").read_text().splitlines()
    at = lines.index("routes:") + 1
    lines[at:at] = ["  case.invented:", "    recipients: {}"]
    routes = tmp_path / "routes.yaml"
    routes.write_text("\n".join(lines) + "\n")

    result = run_hub("run", "--instance-id", "e2e-bad-routes", "--routes", str(routes),
                     env={"HUB_KAFKA_BOOTSTRAP": topics.bootstrap}, timeout=60)  # fmt: skip

    assert result.returncode != 0
    assert f"{routes}:{at + 1}:" in result.stderr
    assert "case.invented" in result.stderr
    assert "Traceback" not in result.stderr
