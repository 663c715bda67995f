"""Writing events to and reading records from the test broker, as agencies would."""

from __future__ import annotations

import time
from collections.abc import Collection, Iterable, Sequence

from hub.kafka.io import ConsumedRecord, publish, read_topic
from hub.pipeline.records import OutgoingRecord
from hub.settings import KafkaSettings
from tests.events import Event


def send(kafka: KafkaSettings, events: Iterable[Event]) -> None:
    """Publish `events` in order and wait until all are acknowledged."""
    publish(kafka, (OutgoingRecord(e.topic, e.key, e.value, tuple(e.headers)) for e in events))


def collect(
    kafka: KafkaSettings,
    topic: str,
    keys: Collection[bytes],
    expected: int,
    *,
    timeout: float = 30.0,
    settle: float = 0.0,
) -> list[ConsumedRecord]:
    """Records of `topic` with one of `keys`, read from the start.

    Waits until `expected` arrived, then `settle` seconds more to catch extras
    (duplicates); returns whatever arrived when `timeout` runs out.
    """
    settled_at: list[float] = []

    def done(found: Sequence[ConsumedRecord]) -> bool:
        if len(found) < expected:
            return False
        if not settled_at:
            settled_at.append(time.monotonic() + settle)
        return time.monotonic() >= settled_at[0]

    return read_topic(kafka, topic, keys=keys, done=done, timeout=timeout)
