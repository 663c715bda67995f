"""Taking in what the hub delivers: dedupe, dispatch by type, record, confirm.

No Kafka here: the subscriber hands each record's headers and value to
`Inbox.take` and commits the offset once it returns. `take` reads the
CloudEvents envelope, skips an event already in the store, runs the
agency's reaction for its type and, in one SQLite transaction, records the
event and schedules what the reaction planned plus a `delivery.confirmed`
for the hub. A reaction that fails is recorded as FAILED with a reason code,
confirmed FAILED and logged (event id and code only), and the connector
moves on: one bad event must not block a partition. Only a failure of the
store itself escapes, and then the subscriber must not commit.

Before anything reads the value, the hub's signature (`ce_jws`) must verify
against the hub's published keys. A record whose signature does not verify is
refused: not acted on, not recorded as received (so the genuine event with
that id is still processed when it comes), noted by its position, logged with
ids and the reason code only, and confirmed FAILED (RECEIVER_TECHNICAL_ERROR).
"""

from __future__ import annotations

import contextlib
import logging
import re
import sqlite3
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import orjson
from opentelemetry.trace import SpanKind, Tracer

from connectors.common.actions import Action, ActionSink, Verb, ignore
from connectors.common.clock import SimulatedClock
from connectors.common.planned import PlannedEvent, continued_trace
from connectors.common.store import EventStore
from hub.envelope import Envelope, EnvelopeError, from_headers
from hub.signing import HUB_ORG, JWS_HEADER, Keyring, verify_envelope
from hub.telemetry import context_from

CONFIRMATION = "delivery.confirmed"
RECEIPT = "hub.receipt"  # answers about our own events: kept, never confirmed
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class Reason(StrEnum):
    """Why an agency could not process a delivery (the codes of delivery.confirmed)."""

    RECEIVER_TECHNICAL_ERROR = "RECEIVER_TECHNICAL_ERROR"
    DATA_INCOMPLETE = "DATA_INCOMPLETE"
    DATA_CONFLICT = "DATA_CONFLICT"


class CannotProcess(Exception):  # noqa: N818 (a decision, not a programming error)
    """A reaction's verdict that a delivered event cannot be acted on, and why."""

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Received:
    """One event the hub delivered: its envelope and its (projected) data."""

    envelope: Envelope
    data: Mapping[str, Any]

    @property
    def type_name(self) -> str:
        return self.envelope.event_type

    @property
    def case_id(self) -> str:
        return self.envelope.subject


@dataclass(frozen=True, slots=True)
class Handled:
    """What a reaction did: events to publish later, and a note without personal data."""

    planned: Sequence[PlannedEvent] = ()
    note: str = ""


Reaction = Callable[[Received], Handled]
"""An agency's response to one event type; it may write its store (same transaction)."""


class Inbox:
    """The receiving side of one agency, over its store."""

    def __init__(
        self,
        agency: str,
        store: EventStore,
        reactions: Mapping[str, Reaction],
        clock: SimulatedClock,
        *,
        keyring: Keyring | None,
        confirm: bool = True,
        on_action: ActionSink = ignore,
        tracer: Tracer | None = None,
    ) -> None:
        # None only for specs of reactions fed by hand: a Connector always verifies.
        self.keyring = keyring
        self.tracer = tracer
        self.agency = agency
        self.store = store
        self.reactions = reactions
        self.clock = clock
        self.confirm = confirm
        self.on_action = on_action
        self.log = logging.getLogger(f"connectors.{agency}")

    def take(
        self,
        headers: Iterable[tuple[str, bytes]] | None,
        value: bytes,
        position: tuple[str, int, int],
    ) -> Verb:
        """Process one delivered record at `position` (topic, partition, offset); what became of it.

        Raises only when the store fails: the record must then be read again.
        """
        try:
            envelope = from_headers(headers)
        except EnvelopeError as error:
            self.store.record_unreadable(*position, error.attribute)
            self.log.warning("unreadable envelope at %s/%d@%d: %s", *position, error.attribute)
            self._act(Verb.UNREADABLE, "", "", "", error.attribute)
            return Verb.UNREADABLE
        if self._refused(envelope, value, position):
            return Verb.REFUSED
        if self.store.has_received(envelope.source, envelope.id):
            self._act(Verb.DUPLICATE, envelope.event_type, envelope.subject, envelope.id)
            return Verb.DUPLICATE
        if envelope.event_type == RECEIPT:
            return self._receipted(envelope, value)
        with self._span(envelope, position):
            return self._process(envelope, value)

    def _receipted(self, envelope: Envelope, value: bytes) -> Verb:
        """Keep the hub's answer about one of our own events (not a delivery: not confirmed)."""
        receipt = orjson.loads(value)
        self.store.record_receipt(receipt)
        note = receipt["status"] + (f" {receipt['reason']}" if "reason" in receipt else "")
        self._act(Verb.RECEIPTED, envelope.event_type, envelope.subject, receipt["eventId"], note)
        return Verb.RECEIPTED

    def _refused(self, envelope: Envelope, value: bytes, position: tuple[str, int, int]) -> bool:
        """True when the hub's signature does not verify: the record is refused, not read."""
        if self.keyring is None:
            return False
        now_ms = time.time_ns() // 1_000_000  # keys are in force in real time, not simulated
        problem = verify_envelope(self.keyring, HUB_ORG, envelope, value, now_ms)
        if problem is None:
            return False
        with self.store.transaction():
            self.store.record_unreadable(*position, JWS_HEADER)
            self.store.schedule(self._confirmation(envelope, Reason.RECEIVER_TECHNICAL_ERROR))
        self.log.warning(
            "refused %s %s at %s/%d@%d: %s",
            envelope.event_type,
            envelope.id,
            *position,
            problem.fault,
        )
        self._act(Verb.REFUSED, envelope.event_type, envelope.subject, envelope.id, problem.fault)
        return True

    def _span(
        self, envelope: Envelope, position: tuple[str, int, int]
    ) -> AbstractContextManager[object]:
        """With a tracer, a consumer span, child of the hub's span for this delivery: what
        the agency decides here (and publishes later) continues the case's trace."""
        if self.tracer is None:
            return contextlib.nullcontext()
        topic, partition, offset = position
        parent = context_from((("traceparent", (envelope.traceparent or "").encode()),))
        return self.tracer.start_as_current_span(
            f"process {topic}",
            context=parent,
            kind=SpanKind.CONSUMER,
            attributes={
                "messaging.system": "kafka",
                "messaging.operation.type": "process",
                "messaging.destination.name": topic,
                "messaging.destination.partition.id": str(partition),
                "messaging.kafka.offset": offset,
                "messaging.message.id": envelope.id,
                "cloudevents.event_type": envelope.type,
                "justice.case_id": envelope.subject,
            },
        )

    def _process(self, envelope: Envelope, value: bytes) -> Verb:
        try:
            with self.store.transaction():
                handled = self._react(envelope, value)
                confirmation = self._confirmation(envelope, None)
                self.store.schedule([*handled.planned, *confirmation])
                self.store.record_received(envelope, value, Verb.PROCESSED.upper())
        except sqlite3.OperationalError:
            raise  # the store itself failed (disk, lock): read the record again later
        except Exception as error:
            return self._failed(envelope, value, error)
        self._act(Verb.PROCESSED, envelope.event_type, envelope.subject, envelope.id, handled.note)
        return Verb.PROCESSED

    def _react(self, envelope: Envelope, value: bytes) -> Handled:
        data = orjson.loads(value)
        if not isinstance(data, dict):
            raise CannotProcess(Reason.DATA_INCOMPLETE, "the event data is not a JSON object")
        reaction = self.reactions.get(envelope.event_type)
        return Handled(note="stored") if reaction is None else reaction(Received(envelope, data))

    def _failed(self, envelope: Envelope, value: bytes, error: Exception) -> Verb:
        if isinstance(error, CannotProcess):
            reason = error.reason
        elif isinstance(error, sqlite3.IntegrityError):
            reason = Reason.DATA_CONFLICT  # contradicts what the store already holds
        else:
            reason = Reason.RECEIVER_TECHNICAL_ERROR
        # The message may quote personal data: it goes to the store, the log gets the code.
        self.log.warning(
            "could not process %s %s (case %s): %s, %s",
            envelope.event_type,
            envelope.id,
            envelope.subject,
            reason,
            type(error).__name__,
        )
        with self.store.transaction():
            self.store.schedule(self._confirmation(envelope, reason))
            detail = f"{type(error).__name__}: {error}"
            self.store.record_received(envelope, value, Verb.FAILED.upper(), reason, detail)
        self._act(Verb.FAILED, envelope.event_type, envelope.subject, envelope.id, reason)
        return Verb.FAILED

    def _confirmation(self, envelope: Envelope, reason: Reason | None) -> list[PlannedEvent]:
        """delivery.confirmed for the hub, published after this transaction commits."""
        if not self.confirm or not _UUID.fullmatch(envelope.id):
            return []
        data: dict[str, Any] = {
            "caseId": envelope.subject,
            "eventId": envelope.id,
            "status": "PROCESSED" if reason is None else "FAILED",
            # A technical instant, so real time rather than simulated time.
            "confirmedAt": datetime.now(UTC).isoformat(timespec="milliseconds"),
        }
        if reason is not None:
            data["reason"] = str(reason)
        trace = continued_trace(envelope.traceparent)
        return [PlannedEvent(CONFIRMATION, 1, data, self.clock.now(), traceparent=trace)]

    def _act(self, verb: Verb, type_name: str, case_id: str, event_id: str, note: str = "") -> None:
        self.on_action(
            Action(self.agency, verb, type_name, case_id, event_id, self.clock.now(), note)
        )
