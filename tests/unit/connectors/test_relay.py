"""Publishing: each planned event when its time comes, as a keyed CloudEvent, in order."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from faststream.kafka import TestKafkaBroker
from faststream.kafka.annotations import KafkaMessage

from connectors.common.broker import agency_broker
from connectors.common.clock import SimulatedClock
from connectors.common.planned import PlannedEvent, continued_trace
from connectors.common.relay import OutboxRelay
from connectors.common.store import EventStore
from hub.envelope import from_headers
from hub.settings import KafkaSettings, SigningSettings
from hub.signing import load_signer


def _event(case_id: str, due_in_days: float, clock: SimulatedClock) -> PlannedEvent:
    data = {"caseId": case_id, "leaveId": "a743aa55-fa47-4bd5-9323-39d0f2c689e1"}
    trace = continued_trace(None)
    return PlannedEvent(
        "leave.started", 1, data, clock.now() + timedelta(days=due_in_days), traceparent=trace
    )


async def test_due_events_go_to_the_agencys_ingress_topic_keyed_by_case_in_the_order_they_happen(
    nowhere: KafkaSettings,
) -> None:
    now = [0.0]
    clock = SimulatedClock(1.0, timer=lambda: now[0])  # one simulated day a second
    store = EventStore()
    broker = agency_broker(nowhere, "koda")
    seen: list[tuple[bytes, Any]] = []

    @broker.subscriber("ingress.koda")
    async def capture(value: dict[str, Any], message: KafkaMessage) -> None:
        seen.append((message.raw_message.key, from_headers(message.raw_message.headers)))

    later, first, second = (
        _event("11111111", 3, clock),
        _event("22222222", 0, clock),
        _event("11111111", 1, clock),
    )
    store.schedule([later, first, second])
    signer = load_signer(SigningSettings.from_env().private_dir, "koda")
    relay = OutboxRelay(broker, "koda", store, clock, signer=signer)

    async with TestKafkaBroker(broker):
        published_now = await relay.publish_due()
        now[0] = 1.5
        published_then = await relay.publish_due()

    assert (published_now, published_then) == (1, 1)
    assert [key for key, _ in seen] == [b"22222222", b"11111111"]
    envelopes = [envelope for _, envelope in seen]
    assert [e.id for e in envelopes] == [first.event_id, second.event_id]
    assert {e.source for e in envelopes} == {"urn:no:justice:koda"}
    assert [e.subject for e in envelopes] == ["22222222", "11111111"]
    assert envelopes[0].dataschema == "urn:no:justice:schema:leave.started:1"
    assert envelopes[0].traceparent == first.traceparent
    assert [e.event.event_id for e in store.outbox() if e.published_at] == [
        first.event_id,
        second.event_id,
    ]
    assert store.due(clock.now()) == []
    assert store.next_due() == later.due
