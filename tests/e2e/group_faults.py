"""Faults in the hub's consumer group: who owns what, when a transaction is open, settling.

Shared by the scale-out and zombie tests (tests/e2e/test_faults_*.py).
"""

from __future__ import annotations

import signal
import time

from confluent_kafka import ConsumerGroupState, TopicPartition
from confluent_kafka.admin import AdminClient  # type: ignore[attr-defined]

from hub.kafka.clients import reader
from hub.kafka.service import GROUP_ID, INGRESS_TOPICS
from hub.kafka.topology import DEFAULT_PARTITIONS
from hub.settings import KafkaSettings
from tests.e2e.test_hub_run import HubProcess, wait_for

# A killed member leaves the group after the hub's session timeout (10 s); its open
# transaction blocks its offsets until the broker aborts it (transaction timeout 30 s).
REBALANCE_DEADLINE = 90.0
INGRESS_PARTITIONS = len(INGRESS_TOPICS) * DEFAULT_PARTITIONS


def settled(admin: AdminClient, members: int) -> bool:
    """The group is stable with `members` members, and they own every ingress partition."""
    group = admin.describe_consumer_groups([GROUP_ID])[GROUP_ID].result(timeout=10)
    owned = sum(len(m.assignment.topic_partitions) for m in group.members if m.assignment)
    return (
        group.state == ConsumerGroupState.STABLE
        and len(group.members) == members
        and owned == INGRESS_PARTITIONS
    )


def settled_at(admin: AdminClient, members: int, watched: HubProcess) -> float:
    """When the group has settled with `members` members (a killed one dropped, its
    partitions assigned to the others)."""
    wait_for(lambda: settled(admin, members), f"{members} members", watched, REBALANCE_DEADLINE)
    return time.monotonic()


def owned_partitions(hub: HubProcess) -> list[int]:
    """The ingress partitions `hub` owns, from its last "assigned partitions [..]" line."""
    lines = [line for line in hub.output().splitlines() if "assigned partitions [" in line]
    return [int(p) for p in lines[-1].rpartition("[")[2].rstrip("]").split(",") if p.strip()]


class OpenTransactions:
    """Sees a transaction in flight on a topic: a read_uncommitted reader's end of a
    partition lies beyond the read_committed one's (the last stable offset)."""

    def __init__(self, kafka: KafkaSettings, topic: str) -> None:
        self.topic = topic
        self._committed = reader(kafka)
        self._uncommitted = reader(kafka, **{"isolation.level": "read_uncommitted"})

    def open_on(self, partitions: list[int]) -> bool:
        for p in partitions:
            tp = TopicPartition(self.topic, p)
            stable = self._committed.get_watermark_offsets(tp, timeout=5, cached=False)[1]
            end = self._uncommitted.get_watermark_offsets(tp, timeout=5, cached=False)[1]
            if end > stable:
                return True
        return False

    def close(self) -> None:
        self._committed.close()
        self._uncommitted.close()


def signal_mid_transaction(
    victim: HubProcess, probe: OpenTransactions, signum: int = signal.SIGKILL
) -> None:
    """Send `signum` to `victim` while one of its transactions has records on the flow's
    topic (egress partitions follow ingress ones: same key, same partitioner, same count)."""
    owned = owned_partitions(victim)
    until = time.monotonic() + REBALANCE_DEADLINE
    # No pause between probes: a transaction is open for tens of milliseconds.
    while not probe.open_on(owned):
        assert time.monotonic() < until, f"no open transaction:\n{victim.output()}"
    victim.process.send_signal(signum)
    if signum == signal.SIGKILL:
        victim.process.wait(30)
