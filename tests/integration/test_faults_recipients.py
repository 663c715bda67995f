"""Recipients that are away or slow: the hub keeps going, and they get everything once.

A recipient here is what a connector is to Kafka: a `read_committed` consumer group
that commits after it has handled what it read. One that is down finds its backlog
when it comes back; one that reads slowly holds back nobody but itself.

HUB_SOAK_SECONDS=N keeps the recipient down for N seconds while traffic flows
(a soak); unset, the test stays within seconds for CI.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable, Collection

import pytest
from confluent_kafka import Consumer

from hub.kafka.clients import LOG
from hub.kafka.io import ConsumedRecord, consumed
from hub.kafka.service import HubService
from hub.settings import KafkaSettings
from tests.invariants import (
    FLOW_TOPIC,
    CaseFlow,
    Traffic,
    assert_exactly_once_in_order,
    case_flow,
    delivered,
)
from tests.kafka_io import collect

pytestmark = pytest.mark.integration

SOAK_SECONDS = float(os.environ.get("HUB_SOAK_SECONDS", "0"))


class Recipient:
    """A connector's consumer: group `group`, read_committed, commits what it handled.

    It counts the events with the given `ids` only (the topic carries other tests'
    events, and receipts)."""

    def __init__(self, kafka: KafkaSettings, topic: str, group: str, ids: Collection[bytes]):
        self.ids = ids
        self.handled: list[ConsumedRecord] = []
        self._consumer = Consumer(
            {
                **kafka.librdkafka_options(),
                "group.id": group,
                "enable.auto.commit": False,
                "auto.offset.reset": "earliest",
                "isolation.level": "read_committed",
                "logger": LOG,
            }
        )
        self._consumer.subscribe([topic])

    def read(
        self,
        until: Callable[[list[ConsumedRecord]], bool],
        *,
        timeout: float = 60,
        settle: float = 0.0,
        per_record: Callable[[], None] = lambda: None,
        max_records: int = 500,
    ) -> None:
        """Handle records (one call of `per_record` each) until `until(handled)` holds,
        then `settle` seconds more to catch any extra (a duplicate)."""
        deadline = time.monotonic() + timeout
        settled_at: float | None = None
        while settled_at is None or time.monotonic() < settled_at:
            if settled_at is None and until(self.handled):
                settled_at = time.monotonic() + settle
                continue
            assert time.monotonic() < deadline, f"recipient read {len(self.handled)} in time"
            messages = self._consumer.consume(num_messages=max_records, timeout=0.2)
            handled = len(self.handled)
            for record in (consumed(m) for m in messages if m.error() is None):
                if record.header("ce_id") in self.ids:
                    per_record()
                    self.handled.append(record)
            # Commit what it handled; other tests' records before them are passed over
            # uncommitted (a commit per record of a long topic took minutes).
            if len(self.handled) > handled:
                self._consumer.commit(asynchronous=False)

    def close(self) -> None:
        self._consumer.close()


def _simulated_work() -> None:
    """What makes this recipient slow: 2 ms of work per record (its own time, not a wait)."""
    time.sleep(0.002)


def _group() -> str:
    return f"test-recipient-{uuid.uuid4().hex[:8]}"


def _at_least(n: int) -> Callable[[list[ConsumedRecord]], bool]:
    return lambda handled: len(handled) >= n


def test_a_recipient_down_finds_its_whole_backlog_once_and_in_order_when_it_returns(
    hub: HubService, topics: KafkaSettings
) -> None:
    flow = case_flow(50, 20)  # 1,000 deliveries to police
    group = _group()
    first = Recipient(topics, FLOW_TOPIC, group, flow.ids)
    traffic = Traffic(topics, flow.events(), chunk=100, pause=0.05).start()
    first.read(_at_least(flow.expected // 4))
    first.close()  # the connector goes down with a quarter handled and committed
    went_down = time.monotonic()
    traffic.join()
    backlog = delivered(topics, flow)  # the hub delivered everything meanwhile
    assert_exactly_once_in_order(backlog, flow)
    soaked = _soak(topics, SOAK_SECONDS) if SOAK_SECONDS else []

    ids = set(flow.ids).union(*(more.ids for more in soaked))
    expected = flow.expected + sum(more.expected for more in soaked)
    back = Recipient(topics, FLOW_TOPIC, group, ids)
    returned = time.monotonic()
    try:
        back.read(_at_least(expected - len(first.handled)), settle=2.0)
    finally:
        back.close()
    drained = time.monotonic() - returned - 2.0  # without the settle

    assert_exactly_once_in_order([*first.handled, *back.handled], flow)
    for more in soaked:
        assert_exactly_once_in_order(back.handled, more)
    print(  # the figures docs/RELIABILITY.md reports (pytest -s shows them)
        f"\nrecipient down: {len(first.handled)} handled before, {len(back.handled)} after "
        f"{returned - went_down:.1f} s away ({len(soaked)} soak flows); backlog drained in "
        f"{drained:.1f} s"
    )


def _soak(kafka: KafkaSettings, seconds: float) -> list[CaseFlow]:
    """Traffic for `seconds` more while the recipient stays away; every event delivered."""
    flows: list[CaseFlow] = []
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        flows.append(more := case_flow(20, 20))
        Traffic(kafka, more.events(), chunk=100, pause=0.2).start().join(timeout=seconds + 120)
        assert_exactly_once_in_order(delivered(kafka, more), more)
    return flows


def test_a_slow_recipient_holds_back_neither_the_hub_nor_the_others(
    hub: HubService, topics: KafkaSettings
) -> None:
    flow = case_flow(40, 10)  # 400 leaves to police (the slow one), 40 cases to courts
    registered = {e.key for e in flow.registrations}
    slow = Recipient(topics, FLOW_TOPIC, _group(), flow.ids)
    held = threading.Event()
    slow_done: list[BaseException | None] = []

    def slow_reader() -> None:
        try:
            slow.read(_at_least(1), max_records=1)
            held.wait(120)  # a recipient stuck on its first record
            slow.read(_at_least(flow.expected), settle=1.0, per_record=_simulated_work)
            slow_done.append(None)
        except BaseException as failure:
            slow_done.append(failure)
        finally:
            slow.close()

    reader = threading.Thread(target=slow_reader, name="slow-recipient")
    reader.start()
    try:
        Traffic(topics, flow.events(), chunk=100).start().join()
        to_courts = collect(topics, "egress.courts", registered, len(registered))
        to_police = delivered(topics, flow)
        stuck_at = len(slow.handled)
    finally:
        held.set()
        reader.join(180)

    assert len(to_courts) == len(registered), "courts did not get every case"
    assert_exactly_once_in_order(to_police, flow)
    assert stuck_at <= 1, "the slow recipient was not slow"
    assert slow_done == [None], f"the slow recipient failed: {slow_done}"
    assert_exactly_once_in_order(slow.handled, flow)
