"""`hub run` processes for the fault tests: started with a health port, stopped, supervised."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path

from hub.kafka.watchdog import STUCK_EXIT_CODE
from hub.localbroker.process import free_port
from hub.settings import KafkaSettings
from tests.e2e.conftest import stopped
from tests.e2e.test_hub_run import HubProcess, wait_for

# Short enough for CI, long enough for a slow first group join on a busy machine.
TEST_STUCK_AFTER = "10"


def start_hub(
    kafka: KafkaSettings, instance_id: str, log: Path, env: Mapping[str, str] | None = None
) -> HubProcess:
    """`hub run --instance-id INSTANCE_ID` against `kafka`, its output appended to `log`."""
    port = free_port()
    command = [sys.executable, "-m", "hub", "run", "--instance-id", instance_id,
               "--health-port", str(port)]  # fmt: skip
    env = {**os.environ, "HUB_KAFKA_BOOTSTRAP": kafka.bootstrap, **(env or {})}
    with log.open("ab") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    return HubProcess(process, port, log)


def wait_ready(hub: HubProcess, deadline: float = 90) -> None:
    wait_for(lambda: hub.status("/ready") == 200, "readiness", hub, deadline)


def stop(hub: HubProcess) -> int:
    """SIGTERM (it leaves the group at once), then kill if it does not stop in 30 s."""
    return stopped(hub.process)


@contextlib.contextmanager
def hub_processes() -> Iterator[list[HubProcess]]:
    """A list for the test's hub processes; whatever still runs at exit is stopped."""
    started: list[HubProcess] = []
    try:
        yield started
    finally:
        for hub in started:
            stop(hub)


class Supervisor:
    """Keeps one `hub run` instance going as systemd or Kubernetes would: an instance that
    exits with the watchdog's code is started again with the same instance id."""

    def __init__(self, kafka: KafkaSettings, instance_id: str, log: Path) -> None:
        self._start = lambda: start_hub(
            kafka, instance_id, log, env={"HUB_STUCK_AFTER": TEST_STUCK_AFTER}
        )
        self.current = self._start()
        self.exit_codes: list[int] = []
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="supervisor", daemon=True)
        self._thread.start()

    @property
    def restarts(self) -> int:
        return len(self.exit_codes)

    def _watch(self) -> None:
        while not self._stopping.wait(0.2):
            code = self.current.process.poll()
            if code is None:
                continue
            self.exit_codes.append(code)
            if code != STUCK_EXIT_CODE:
                return  # a crash: the test reports it
            self.current = self._start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(5)
        stop(self.current)
