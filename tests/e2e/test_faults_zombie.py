"""A zombie instance: paused (SIGSTOP) in the middle of a transaction for longer than the
session timeout, so the group gives its partitions to the other instance, then woken
(SIGCONT). It must not commit what it had in flight: its offsets carry the old group
generation (KIP-447, confluent-kafka's `consumer_group_metadata`), so the broker fences
them (TRAPS.md: aiokafka would not). Afterwards every event is delivered once, in order.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from hub.kafka.admin import admin_client, ensure_topics
from hub.kafka.topology import topology
from hub.settings import KafkaSettings
from tests.e2e.group_faults import OpenTransactions, settled_at, signal_mid_transaction
from tests.e2e.hub_processes import hub_processes, start_hub, wait_ready
from tests.invariants import (
    FLOW_TOPIC,
    Traffic,
    assert_exactly_once_in_order,
    case_flow,
    delivered,
    uncommitted_view,
)
from tests.kafka_io import collect

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def topics(kafka: KafkaSettings) -> KafkaSettings:
    ensure_topics(kafka, topology())
    return kafka


def test_an_instance_paused_mid_transaction_is_fenced_when_it_wakes(
    topics: KafkaSettings, tmp_path: Path
) -> None:
    flow = case_flow(150, 20)  # 3,000 deliveries to police
    admin = admin_client(topics)
    with hub_processes() as hubs:
        hubs.append(zombie := start_hub(topics, "zombie", tmp_path / "zombie.log"))
        hubs.append(survivor := start_hub(topics, "survivor", tmp_path / "survivor.log"))
        wait_ready(zombie)
        wait_ready(survivor)
        settled_at(admin, 2, survivor)
        # Paced to last about 20 s: the pause, the rebalance and the wake-up under load.
        traffic = Traffic(topics, flow.events(), chunk=150, pause=1.0).start()
        traffic.wait_sent(0.2)
        assert collect(topics, FLOW_TOPIC, flow.keys, 1, timeout=60), "nothing delivered before"

        probe = OpenTransactions(topics, FLOW_TOPIC)
        signal_mid_transaction(zombie, probe, signal.SIGSTOP)
        paused = time.monotonic()
        moved = settled_at(admin, 1, survivor) - paused
        zombie.process.send_signal(signal.SIGCONT)
        woken = time.monotonic()
        probe.close()
        traffic.join()
        records = delivered(topics, flow, timeout=180)
        done = time.monotonic() - woken
        assert survivor.process.poll() is None, f"the survivor exited:\n{survivor.output()}"
        zombie_state = zombie.process.poll()

    assert_exactly_once_in_order(records, flow)
    uncommitted = uncommitted_view(topics, flow)
    print(  # the figures docs/RELIABILITY.md reports (pytest -s shows them)
        f"\nzombie: {flow.expected} deliveries; its partitions moved {moved:.1f} s after the "
        f"pause; all delivered {done:.1f} s after it woke; the zombie "
        f"{'kept running' if zombie_state is None else f'exited with {zombie_state}'}; "
        f"read_committed duplicates 0; read_uncommitted records {uncommitted.records}, "
        f"duplicates {uncommitted.duplicates}"
    )
