"""Broker restart under load: a broker of its own, stopped and started on the same data
while a `hub run` process carries events; afterwards every event arrives once, in order.

Without hub/kafka/watchdog.py this test failed: after the restart the hub blocked in
librdkafka's `send_offsets_to_transaction` for good and delivered nothing more."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.kafka.admin import ensure_topics
from hub.kafka.topology import topology
from hub.kafka.watchdog import STUCK_EXIT_CODE
from hub.localbroker import LocalBroker
from tests.brokers import started_local_broker
from tests.e2e.hub_processes import Supervisor, wait_ready
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

CASES = 100
LEAVES_PER_CASE = 20  # 2,000 deliveries to police, 100 to courts


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[LocalBroker]:
    """Not the session's broker: this one is stopped mid-test. Its own ports and data."""
    with started_local_broker(tmp_path / "kafka") as broker:
        ensure_topics(broker.client_settings(), topology())
        yield broker


def test_broker_restart_under_load_loses_nothing_and_duplicates_nothing(
    own_broker: LocalBroker, tmp_path: Path
) -> None:
    kafka = own_broker.client_settings()
    flow = case_flow(CASES, LEAVES_PER_CASE)
    hub = Supervisor(kafka, "restart-test", tmp_path / "hub.log")
    try:
        wait_ready(hub.current)
        traffic = Traffic(kafka, flow.events(), chunk=100, pause=0.05).start()
        traffic.wait_sent(0.3)
        assert collect(kafka, FLOW_TOPIC, flow.keys, 1, timeout=60), "nothing delivered before"

        stopped = time.monotonic()
        own_broker.down()
        own_broker.up(timeout=120)
        back = time.monotonic()
        traffic.join()
        records = delivered(kafka, flow, timeout=180)
        done = time.monotonic()
    finally:
        hub.stop()

    # librdkafka may block for ever after the restart; the watchdog then ends the hub
    # (exit code 3) and the supervisor restarts it. Anything else is a crash.
    assert set(hub.exit_codes) <= {STUCK_EXIT_CODE}, hub.current.output()
    assert_exactly_once_in_order(records, flow)
    uncommitted = uncommitted_view(kafka, flow)
    print(  # the figures docs/RELIABILITY.md reports (pytest -s shows them)
        f"\nbroker restart: {flow.expected} deliveries; broker away {back - stopped:.1f} s; "
        f"all delivered {done - back:.1f} s after it was back; hub restarts by the "
        f"watchdog {hub.restarts}; read_committed duplicates 0; read_uncommitted records "
        f"{uncommitted.records}, duplicates {uncommitted.duplicates}"
    )
