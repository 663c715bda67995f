"""kill -9 of the hub while alerts wait for acknowledgement: repeats and escalation still
happen after the restart (their state is in hub.alerts, not in memory), none twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator

import orjson
import pytest

from hub.kafka.io import read_topic
from hub.settings import KafkaSettings
from tests.events import event, example, new_case_id, notification_requested
from tests.kafka_io import collect, register_case, send

pytestmark = pytest.mark.integration

ACK_TIMEOUT_S = 3
REPEATS = 2
ALERT_TYPES = (b"no.justice.victim.alert", b"no.justice.victim.alert.escalated")


def _start_hub(kafka: KafkaSettings) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "HUB_KAFKA_BOOTSTRAP": kafka.bootstrap,
        "HUB_ALERT_ACK_TIMEOUT": str(ACK_TIMEOUT_S),
        "HUB_ALERT_REPEATS": str(REPEATS),
    }
    command = [sys.executable, "-m", "hub", "run", "--instance-id", "alert-crash-test"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


@pytest.fixture
def hubs() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(30)


def _alert_records(kafka: KafkaSettings, case_id: str, expected: int, timeout: float) -> list:
    def alerts(found: list) -> list:
        return [r for r in found if r.header("ce_type") in ALERT_TYPES]

    found = read_topic(
        kafka,
        "egress.police",
        keys={case_id.encode()},
        done=lambda records: len(alerts(list(records))) >= expected,
        timeout=timeout,
    )
    return alerts(found)


def test_alerts_waiting_at_a_kill_9_are_repeated_and_escalated_after_restart_once(
    topics: KafkaSettings, hubs: list[subprocess.Popen[bytes]]
) -> None:
    hubs.append(_start_hub(topics))
    case_id = new_case_id()
    register_case(topics, case_id)
    send(topics, [notification_requested(case_id, "V001", ["LEAVE"])])
    collect(topics, "egress.police", {case_id.encode()}, 2, receipts=True, timeout=60)
    leave = example("leave.granted", 1, "ordinary-with-reporting-duty", case_id)
    send(topics, [event("leave.granted", 1, "koda", leave)])
    [first] = _alert_records(topics, case_id, 1, timeout=60)

    hubs[0].send_signal(signal.SIGKILL)  # within the wait for an acknowledgement
    hubs[0].wait(30)
    hubs.append(_start_hub(topics))
    every = 1 + REPEATS + 1
    found = _alert_records(topics, case_id, every, timeout=120)
    settled = collect(topics, "egress.police", {case_id.encode()}, 10**6, timeout=2 * ACK_TIMEOUT_S)

    assert orjson.loads(first.value or b"")["sequence"] == 1
    attempts = Counter(r.header("ce_id") for r in found)
    assert len(found) == every and set(attempts.values()) == {1}, "an attempt lost or doubled"
    assert len([r for r in settled if r.header("ce_type") in ALERT_TYPES]) == every
    data = [orjson.loads(r.value or b"") for r in found]
    assert [d.get("sequence") for d in data[:-1]] == [1, 2, 3]
    assert found[-1].header("ce_type") == b"no.justice.victim.alert.escalated"
    hubs[1].send_signal(signal.SIGTERM)
    assert hubs[1].wait(60) == 0
