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

CASES = 200
LEAVES_PER_CASE = 25  # 5,000 deliveries to police


@pytest.fixture(scope="module")
def topics(kafka: KafkaSettings) -> KafkaSettings:
    ensure_topics(kafka, topology())
    return kafka


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
        settled_at(admin, 3, hubs[2])
        # Paced to last about 25 s: both kills and both rebalances happen under load.
        traffic = Traffic(topics, flow.events(), chunk=200, pause=1.0).start()
        traffic.wait_sent(0.25)
        assert collect(topics, FLOW_TOPIC, flow.keys, 1, timeout=60), "nothing delivered before"

        probe = OpenTransactions(topics, FLOW_TOPIC)
        signal_mid_transaction(hubs[0], probe)
        first_kill = time.monotonic()
        three_to_two = settled_at(admin, 2, hubs[2]) - first_kill
        signal_mid_transaction(hubs[1], probe)
        second_kill = time.monotonic()
        two_to_one = settled_at(admin, 1, hubs[2]) - second_kill
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
