"""Scale-out: three `hub run` instances in one consumer group, then two, then one.

Under load, one instance is killed with SIGKILL (three become two), and once the
group has settled, another (two become one). The survivors take over the killed
instances' partitions: after the rebalance every event is delivered once, each
case's events in order. Range assignment gives one instance partition p of every
ingress topic, so 6 partitions carry up to 6 instances; more need more partitions
(`topology(partitions)`).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from confluent_kafka import ConsumerGroupState, TopicPartition
from confluent_kafka.admin import AdminClient  # type: ignore[attr-defined]

from hub.kafka.admin import admin_client, ensure_topics
from hub.kafka.clients import reader
from hub.kafka.service import GROUP_ID, INGRESS_TOPICS
from hub.kafka.topology import DEFAULT_PARTITIONS, topology
from hub.settings import KafkaSettings
from tests.e2e.hub_processes import hub_processes, kill_9, start_hub, wait_ready
from tests.e2e.test_hub_run import HubProcess, wait_for
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

CASES = 200
LEAVES_PER_CASE = 25  # 5,000 deliveries to police
# A killed member leaves the group after the hub's session timeout (10 s); its open
# transaction blocks its offsets until the broker aborts it (transaction timeout 30 s).
REBALANCE_DEADLINE = 90.0
INGRESS_PARTITIONS = len(INGRESS_TOPICS) * DEFAULT_PARTITIONS


@pytest.fixture(scope="module")
def topics(kafka: KafkaSettings) -> KafkaSettings:
    ensure_topics(kafka, topology())
    return kafka


def _settled(admin: AdminClient, members: int) -> bool:
    """The group is stable with `members` members, and they own every ingress partition."""
    group = admin.describe_consumer_groups([GROUP_ID])[GROUP_ID].result(timeout=10)
    owned = sum(len(m.assignment.topic_partitions) for m in group.members if m.assignment)
    return (
        group.state == ConsumerGroupState.STABLE
        and len(group.members) == members
        and owned == INGRESS_PARTITIONS
    )


def _settled_at(admin: AdminClient, members: int, watched: HubProcess) -> float:
    """When the group has settled with `members` members (a killed one dropped, its
    partitions assigned to the others)."""
    wait_for(lambda: _settled(admin, members), f"{members} members", watched, REBALANCE_DEADLINE)
    return time.monotonic()


def _owned(hub: HubProcess) -> list[int]:
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


def _kill_mid_transaction(victim: HubProcess, probe: OpenTransactions) -> None:
    """SIGKILL `victim` while one of its transactions has records on the flow's topic
    (egress partitions follow ingress ones: same key, same partitioner, same count)."""
    owned = _owned(victim)
    until = time.monotonic() + REBALANCE_DEADLINE
    # No pause between probes: a transaction is open for tens of milliseconds.
    while not probe.open_on(owned):
        assert time.monotonic() < until, f"no open transaction:\n{victim.output()}"
    kill_9(victim)


def test_killing_instances_of_three_then_two_loses_nothing_and_duplicates_nothing(
    topics: KafkaSettings, tmp_path: Path
) -> None:
    flow = case_flow(CASES, LEAVES_PER_CASE)
    admin = admin_client(topics)
    with hub_processes() as hubs:
        for name in ("a", "b", "c"):
            hubs.append(start_hub(topics, f"scale-{name}", tmp_path / f"hub-{name}.log"))
        for hub in hubs:
            wait_ready(hub)
        _settled_at(admin, 3, hubs[2])
        # Paced to last about 25 s: both kills and both rebalances happen under load.
        traffic = Traffic(topics, flow.events(), chunk=200, pause=1.0).start()
        traffic.wait_sent(0.25)
        assert collect(topics, FLOW_TOPIC, flow.keys, 1, timeout=60), "nothing delivered before"

        probe = OpenTransactions(topics, FLOW_TOPIC)
        _kill_mid_transaction(hubs[0], probe)
        first_kill = time.monotonic()
        three_to_two = _settled_at(admin, 2, hubs[2]) - first_kill
        _kill_mid_transaction(hubs[1], probe)
        second_kill = time.monotonic()
        two_to_one = _settled_at(admin, 1, hubs[2]) - second_kill
        probe.close()
        traffic.join()
        records = delivered(topics, flow, timeout=180)
        done = time.monotonic() - second_kill
        assert hubs[2].process.poll() is None, f"the survivor exited:\n{hubs[2].output()}"

    assert_exactly_once_in_order(records, flow)
    uncommitted = uncommitted_view(topics, flow)
    print(  # the figures docs/RELIABILITY.md reports (pytest -s shows them)
        f"\nscale-out: {flow.expected} deliveries; group 3->2 settled {three_to_two:.1f} s after "
        f"the kill, 2->1 {two_to_one:.1f} s; all delivered {done:.1f} s after the second kill; "
        f"read_committed duplicates 0; read_uncommitted records {uncommitted.records}, "
        f"duplicates {uncommitted.duplicates}"
    )
