"""What the hub remembers per ingress partition, and how it is written to `hub.registry`.

Partition number p of every ingress topic carries the same cases (same key,
same partition count), so one state per partition number holds their
registry, the events already seen (dedupe), the parked events and the head of
the audit chain. Every change is also an `OutgoingRecord` to partition p of the
compacted `hub.registry`, written in the same transaction as the deliveries.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

import orjson

from hub.envelope import Envelope
from hub.kafka.topology import ALERTS, REGISTRY
from hub.pipeline.alert_states import TrackedAlert
from hub.pipeline.audit import AuditChain
from hub.pipeline.deliveries import CopyCache, DeliveredEvent
from hub.pipeline.records import IngressRecord, OutgoingRecord
from hub.pipeline.registry import CASE_KEY_PREFIX, CaseFacts, CaseRegistry, case_key

SEEN_PREFIX = "seen/"
PARKED_PREFIX = "parked/"


def event_key(source: str, event_id: str) -> str:
    """An event's identity (CloudEvents source + id): a resend with the same pair is a duplicate."""
    return f"{source}/{event_id}"


@dataclass(frozen=True, slots=True)
class ParkedEvent:
    record: IngressRecord
    case_id: str
    missing: str
    deadline_ms: int

    def to_json(self) -> bytes:
        r = self.record
        return orjson.dumps(
            {
                "topic": r.topic,
                "partition": r.partition,
                "offset": r.offset,
                "timestampMs": r.timestamp_ms,
                "key": _b64(r.key),
                "value": _b64(r.value),
                "headers": [[name, _b64(value)] for name, value in r.headers],
                "caseId": self.case_id,
                "missing": self.missing,
                "deadlineMs": self.deadline_ms,
            }
        )

    @classmethod
    def from_json(cls, value: bytes) -> ParkedEvent:
        raw = orjson.loads(value)
        record = IngressRecord(
            raw["topic"],
            raw["partition"],
            raw["offset"],
            _unb64(raw["key"]),
            _unb64(raw["value"]),
            tuple((n, _unb64(v)) for n, v in raw["headers"]),
            raw["timestampMs"],
        )
        return cls(record, raw["caseId"], raw["missing"], raw["deadlineMs"])


def _b64(value: bytes | None) -> str | None:
    return None if value is None else base64.b64encode(value).decode()


def _unb64(value: str | None) -> bytes | None:
    return None if value is None else base64.b64decode(value)


class PartitionState:
    """Registry, dedupe memory, parked events and audit chain of one partition number."""

    def __init__(self, partition: int, audit: AuditChain | None = None) -> None:
        self.partition = partition
        self.registry = CaseRegistry()
        self.seen: set[str] = set()
        self.delivered: dict[str, DeliveredEvent] = {}  # by event id
        self.copies = CopyCache()
        self.parked: dict[str, ParkedEvent] = {}
        self.alerts: dict[str, TrackedAlert] = {}  # victim alerts by alert id
        self._waiting: dict[str, TrackedAlert] = {}  # those not yet acknowledged: timers
        self.audit = audit or AuditChain(partition)

    def _write(self, key: str, value: bytes | None) -> OutgoingRecord:
        return OutgoingRecord(REGISTRY, key.encode(), value, partition=self.partition)

    def is_duplicate(self, envelope: Envelope) -> bool:
        return event_key(envelope.source, envelope.id) in self.seen

    def mark_seen(
        self, envelope: Envelope, time_ms: int, delivered: DeliveredEvent | None = None
    ) -> OutgoingRecord:
        """Remember the event (dedupe) and, once accepted, what was delivered to whom."""
        key = event_key(envelope.source, envelope.id)
        self.seen.add(key)
        value: dict[str, object] = {"timeMs": time_ms}
        if delivered is not None:
            self.delivered[delivered.event_id] = delivered
            value["delivered"] = delivered.to_json()
        return self._write(SEEN_PREFIX + key, orjson.dumps(value))

    def record_delivered(self, delivered: DeliveredEvent, time_ms: int) -> OutgoingRecord:
        """Keep a changed delivery record (a retracted event) under its event's `seen/` key."""
        self.delivered[delivered.event_id] = delivered
        value = {"timeMs": time_ms, "delivered": delivered.to_json()}
        key = event_key(delivered.source, delivered.event_id)
        return self._write(SEEN_PREFIX + key, orjson.dumps(value))

    def forget(self, key: str) -> OutgoingRecord:
        """Forget an event was seen (a parked one decided afresh or rejected at last)."""
        self.seen.discard(key)
        return self._write(SEEN_PREFIX + key, None)

    def record_case(self, facts: CaseFacts) -> OutgoingRecord:
        return self._write(case_key(facts.case_id), facts.to_json())

    def forget_case(self, case_id: str) -> OutgoingRecord:
        return self._write(case_key(case_id), None)  # the registry already dropped it

    def park(self, envelope: Envelope, parked: ParkedEvent) -> OutgoingRecord:
        key = event_key(envelope.source, envelope.id)
        self.parked[key] = parked
        return self._write(PARKED_PREFIX + key, parked.to_json())

    def unpark(self, key: str) -> OutgoingRecord:
        del self.parked[key]
        return self._write(PARKED_PREFIX + key, None)  # a tombstone: compaction removes it

    def parked_for_case(self, case_id: str) -> list[str]:
        return [key for key, p in self.parked.items() if p.case_id == case_id]

    def expired(self, now_ms: int) -> list[str]:
        return [key for key, p in self.parked.items() if p.deadline_ms <= now_ms]

    def track(self, alert: TrackedAlert) -> OutgoingRecord:
        """Keep an alert's state, in memory and in `hub.alerts` (same transaction)."""
        self._remember(alert)
        key = alert.alert_id.encode()
        return OutgoingRecord(ALERTS, key, alert.to_json(), partition=self.partition)

    def _remember(self, alert: TrackedAlert) -> None:
        self.alerts[alert.alert_id] = alert
        if alert.status.pending:
            self._waiting[alert.alert_id] = alert
        else:
            self._waiting.pop(alert.alert_id, None)

    def due_alerts(self, now_ms: int) -> list[TrackedAlert]:
        """Alerts still waiting for an acknowledgement whose wait has run out."""
        return [a for a in self._waiting.values() if a.next_due_ms <= now_ms]

    def pending_alerts(self, case_id: str, victim_id: str) -> list[TrackedAlert]:
        return [
            a for a in self._waiting.values() if a.case_id == case_id and a.victim_id == victim_id
        ]

    def restore_alert(self, value: bytes | None) -> None:
        """Replay one `hub.alerts` record (the latest value per alert wins)."""
        if value is not None:
            self._remember(TrackedAlert.from_json(value))

    def restore(self, key: bytes, value: bytes | None) -> None:
        """Replay one `hub.registry` record (the latest value per key wins)."""
        text = key.decode()
        if text.startswith(CASE_KEY_PREFIX):
            if value is None:
                self.registry.forget(text.removeprefix(CASE_KEY_PREFIX))
            else:
                self.registry.restore(CaseFacts.from_json(value))
        elif text.startswith(SEEN_PREFIX):
            seen_key = text.removeprefix(SEEN_PREFIX)
            if value is None:
                self.seen.discard(seen_key)
                return
            self.seen.add(seen_key)
            if (raw := orjson.loads(value).get("delivered")) is not None:
                delivered = DeliveredEvent.from_json(raw, self.copies)
                self.delivered[delivered.event_id] = delivered
        elif text.startswith(PARKED_PREFIX):
            parked_key = text.removeprefix(PARKED_PREFIX)
            if value is None:
                self.parked.pop(parked_key, None)
            else:
                self.parked[parked_key] = ParkedEvent.from_json(value)
