"""Writing events to and reading records from the test broker, as agencies would."""

from __future__ import annotations

import time
from collections.abc import Collection, Iterable, Sequence

from hub.kafka.io import ConsumedRecord, publish, read_topic
from hub.pipeline.records import OutgoingRecord
from hub.settings import KafkaSettings
from tests.events import Event, case_registered, signed

RECEIPT_TYPE = b"no.justice.hub.receipt"


def send(kafka: KafkaSettings, events: Iterable[Event], *, sign: bool = True) -> None:
    """Publish `events` in order and wait until all are acknowledged.

    Each is signed as it is sent by the organisation its ce_source names, as a
    connector would; `sign=False` sends them as they are (unsigned, tampered).
    """
    ready = (signed(e) for e in events) if sign else events
    publish(kafka, (OutgoingRecord(e.topic, e.key, e.value, tuple(e.headers)) for e in ready))


def collect(
    kafka: KafkaSettings,
    topic: str,
    keys: Collection[bytes],
    expected: int,
    *,
    timeout: float = 30.0,
    settle: float = 0.0,
    receipts: bool = False,
) -> list[ConsumedRecord]:
    """Records of `topic` with one of `keys`, read from the start.

    Waits until `expected` arrived, then `settle` seconds more to catch extras
    (duplicates); returns whatever arrived when `timeout` runs out. The hub's
    receipts to a sender are left out unless `receipts` (then only they count).
    """
    settled_at: list[float] = []

    def wanted(found: Sequence[ConsumedRecord]) -> list[ConsumedRecord]:
        return [r for r in found if (r.header("ce_type") == RECEIPT_TYPE) == receipts]

    def done(found: Sequence[ConsumedRecord]) -> bool:
        if len(wanted(found)) < expected:
            return False
        if not settled_at:
            settled_at.append(time.monotonic() + settle)
        return time.monotonic() >= settled_at[0]

    return wanted(read_topic(kafka, topic, keys=keys, done=done, timeout=timeout))


def register_case(kafka: KafkaSettings, case_id: str) -> Event:
    """Police register the case and the hub has accepted it, so later events need not park."""
    registered = case_registered(case_id)
    send(kafka, [registered])
    receipts = collect(kafka, "egress.police", {case_id.encode()}, 1, receipts=True)
    assert receipts, f"no receipt for case {case_id} within 30 s"
    return registered
