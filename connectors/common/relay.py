"""Publishing: the outbox relay sends each planned event when its time comes.

Every event goes to the agency's own `ingress.<agency>` topic as a CloudEvent
in Kafka binary mode: source `urn:no:justice:<agency>`, subject and key the
case id (one case keeps its order end to end), dataschema the type and major
version. Records are sent one by one with their own key and confirmed
together (FastStream's `publish_batch` would put a whole batch on one
partition, whatever the keys). Only after the broker acknowledged them are
they marked published; a crash in between publishes them again with the same
ids, and the hub drops the repeats. Each event is signed with the agency's
key (`ce_jws` over the exact value bytes and the event's identity), so a
connector team gets notoritet without writing any of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import replace

import orjson
from aiokafka.structs import RecordMetadata
from faststream.kafka import KafkaBroker
from opentelemetry.trace import SpanKind, Tracer

from connectors.common.actions import Action, ActionSink, Verb, ignore
from connectors.common.clock import SimulatedClock
from connectors.common.planned import PlannedEvent
from connectors.common.store import EventStore
from hub.envelope import Envelope, new_envelope, to_headers
from hub.kafka.topology import ingress
from hub.signing import JWS_HEADER, EventSigner
from hub.telemetry import context_from, trace_headers

IDLE_SECONDS = 0.25  # how often an idle relay looks at the outbox without being woken
RETRY_SECONDS = 1.0  # back-off after the broker refused or timed out


def source_of(agency: str) -> str:
    return f"urn:no:justice:{agency}"


def envelope_for(agency: str, event: PlannedEvent) -> Envelope:
    """The CloudEvents envelope of a planned event, timed now (the real publish time)."""
    return new_envelope(
        event.type_name,
        event.version,
        source_of(agency),
        event.case_id,
        event_id=event.event_id,
        traceparent=event.traceparent,
    )


async def publish_event(
    broker: KafkaBroker,
    agency: str,
    event: PlannedEvent,
    signer: EventSigner,
    tracer: Tracer | None = None,
) -> asyncio.Future[RecordMetadata]:
    """Send one event keyed by its case id; the future resolves when the broker has it.

    With a tracer, the send is a producer span (child of the span the event was
    decided in), and the event's traceparent names it, so the hub's span follows.
    """
    envelope = envelope_for(agency, event)
    if tracer is None:
        return await _send(broker, agency, event, envelope, signer)
    parent = context_from((("traceparent", (event.traceparent or "").encode()),))
    with tracer.start_as_current_span(
        f"send {ingress(agency)}",
        context=parent,
        kind=SpanKind.PRODUCER,
        attributes={
            "messaging.system": "kafka",
            "messaging.operation.type": "send",
            "messaging.destination.name": ingress(agency),
            "messaging.message.id": event.event_id,
            "justice.case_id": event.case_id,
            "cloudevents.event_type": f"no.justice.{event.type_name}",
        },
    ) as span:
        traceparent = trace_headers(span)["traceparent"].decode()
        traced = replace(envelope, traceparent=traceparent)
        return await _send(broker, agency, event, traced, signer)


async def _send(
    broker: KafkaBroker,
    agency: str,
    event: PlannedEvent,
    envelope: Envelope,
    signer: EventSigner,
) -> asyncio.Future[RecordMetadata]:
    value = orjson.dumps(event.data)
    headers = {name: raw.decode() for name, raw in to_headers(envelope)}
    headers[JWS_HEADER] = signer.sign_envelope(envelope, value)  # over the bytes sent
    return await broker.publish(
        value,
        ingress(agency),
        key=event.case_id.encode(),
        headers=headers,
        no_confirm=True,
    )


class OutboxRelay:
    """Publishes an agency's due outbox events, in order, until stopped."""

    def __init__(
        self,
        broker: KafkaBroker,
        agency: str,
        store: EventStore,
        clock: SimulatedClock,
        *,
        signer: EventSigner,
        on_action: ActionSink = ignore,
        tracer: Tracer | None = None,
    ) -> None:
        self.tracer = tracer
        self.signer = signer
        self.broker = broker
        self.agency = agency
        self.store = store
        self.clock = clock
        self.on_action = on_action
        self.log = logging.getLogger(f"connectors.{agency}")
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """Something new is in the outbox: look now rather than at the next tick."""
        self._wake.set()

    async def start(self) -> None:
        """Start publishing (async so FastStream runs it as a hook on its own loop)."""
        self._task = asyncio.create_task(self._run(), name=f"{self.agency}-outbox-relay")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def publish_due(self) -> int:
        """Publish every event due now; how many were published."""
        due = self.store.due(self.clock.now())
        if not due:
            return 0
        sent = [
            await publish_event(self.broker, self.agency, e, self.signer, self.tracer) for e in due
        ]
        # FastStream's in-memory TestKafkaBroker delivers at once and returns no future.
        await asyncio.gather(*(future for future in sent if future is not None))
        self.store.mark_published([event.event_id for event in due])
        for event in due:
            self.on_action(
                Action(
                    self.agency,
                    Verb.PUBLISHED,
                    event.type_name,
                    event.case_id,
                    event.event_id,
                    event.due,
                )
            )
        return len(due)

    async def _run(self) -> None:
        while True:
            self._wake.clear()  # before looking, so a wake during the look is not lost
            try:
                if await self.publish_due():
                    continue
            except Exception as error:
                self.log.warning("publishing failed (%s); retrying", type(error).__name__)
                await asyncio.sleep(RETRY_SECONDS)
                continue
            wait = IDLE_SECONDS
            if (next_due := self.store.next_due()) is not None:
                wait = min(wait, self.clock.seconds_until(next_due))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), wait)
