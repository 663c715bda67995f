"""Exactly once through a crash: kill -9 the hub mid-stream, start it again, count."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator

import pytest

from hub.settings import KafkaSettings
from tests.events import case_registered, koda_event, new_case_id
from tests.kafka_io import collect, send

pytestmark = pytest.mark.integration

CASES = 200
LEAVES_PER_CASE = 49  # with its registration, 50 events per case: 10,000 in all
LEAVE_EXAMPLES = ["ordinary-leave", "day-release", "escorted-leave"]
SEND_CHUNK = 500


def _start_hub(kafka: KafkaSettings, instance_id: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "HUB_KAFKA_BOOTSTRAP": kafka.bootstrap}
    return subprocess.Popen(
        [sys.executable, "-m", "hub", "run", "--instance-id", instance_id],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest.fixture
def hub_process(topics: KafkaSettings) -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(30)


def test_kill_9_mid_stream_delivers_every_event_exactly_once_in_case_order(
    topics: KafkaSettings, hub_process: list[subprocess.Popen[bytes]]
) -> None:
    cases = [new_case_id() for _ in range(CASES)]
    keys = {case.encode() for case in cases}
    leaves = {
        case: [
            koda_event("leave.started", LEAVE_EXAMPLES[i % 3], case) for i in range(LEAVES_PER_CASE)
        ]
        for case in cases
    }
    # Interleave cases as real traffic would: every case's registration, then its leaves.
    events = [case_registered(case) for case in cases]
    events += [leaves[case][i] for i in range(LEAVES_PER_CASE) for case in cases]
    expected = CASES * LEAVES_PER_CASE

    hub_process.append(_start_hub(topics, "crash-test"))
    # Send in chunks, as traffic arrives, so that the kill lands mid-stream: half the
    # events are out when the hub is killed, the rest arrive while it is down.
    chunks = [events[i : i + SEND_CHUNK] for i in range(0, len(events), SEND_CHUNK)]
    halfway = threading.Event()

    def traffic() -> None:
        for number, chunk in enumerate(chunks):
            send(topics, chunk)
            if number == len(chunks) // 2:
                halfway.set()
            time.sleep(0.1)  # pacing the sender, not waiting for the hub

    sender = threading.Thread(target=traffic)
    sender.start()
    assert halfway.wait(120), "the sender did not get halfway"
    assert collect(topics, "egress.police", keys, 1, timeout=60), "nothing delivered before"
    hub_process[0].send_signal(signal.SIGKILL)
    hub_process[0].wait(30)
    partial = len(collect(topics, "egress.police", keys, expected, timeout=1))
    sender.join(120)

    hub_process.append(_start_hub(topics, "crash-test"))
    delivered = collect(topics, "egress.police", keys, expected, timeout=180, settle=3.0)

    assert partial < expected, "the crash came too late to test anything"
    ids = Counter(r.header("ce_id") for r in delivered)
    assert [i for i, n in ids.items() if n > 1] == [], "duplicates after the crash"
    assert len(delivered) == expected, "events lost in the crash"
    order: dict[bytes | None, list[bytes]] = defaultdict(list)
    for record in sorted(delivered, key=lambda r: (r.partition, r.offset)):
        order[record.key].append(record.header("ce_id"))
    for case in cases:
        assert order[case.encode()] == [e.event_id.encode() for e in leaves[case]], case

    hub_process[1].send_signal(signal.SIGTERM)
    assert hub_process[1].wait(60) == 0, "the hub did not stop cleanly on SIGTERM"
