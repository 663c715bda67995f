"""Dead letters: find them, read them, and re-drive them through the hub.

A re-drive writes the original record (or a fixed value) to `hub.redrive`,
which only operations may write and only the hub reads; headers name the
ingress topic it first came on, so the hub checks ownership against that
topic, and the dead letter it re-drives, so the audit log links the two.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson

from hub.kafka.io import ConsumedRecord, read_topic
from hub.kafka.topology import DLQ, REDRIVE
from hub.pipeline.records import (
    OPERATOR_ACTION_HEADER,
    ORIGINAL_TOPIC_HEADER,
    REDRIVE_BY_HEADER,
    REDRIVE_OF_HEADER,
    OutgoingRecord,
    header,
)
from hub.settings import KafkaSettings
from hub.signing import EventSigner

HUB_HEADERS = frozenset(
    {ORIGINAL_TOPIC_HEADER, REDRIVE_OF_HEADER, REDRIVE_BY_HEADER, OPERATOR_ACTION_HEADER}
)


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """One `hub.dlq` record: where it is, why, and the original byte for byte."""

    position: str  # "partition/offset" in hub.dlq
    timestamp_ms: int
    reason: str
    message: str
    path: str | None
    action_by: str
    event_id: str | None
    source: str | None
    type: str | None
    case_id: str | None
    original_topic: str
    original_position: str
    original_key: bytes | None
    original_headers: tuple[tuple[str, bytes | None], ...]
    original_value: bytes | None

    def summary(self) -> dict[str, Any]:
        """Everything but the original value and headers (which may hold personal data)."""
        return {
            "position": self.position,
            "timestampMs": self.timestamp_ms,
            "reason": self.reason,
            "message": self.message,
            "path": self.path,
            "actionBy": self.action_by,
            "eventId": self.event_id,
            "source": self.source,
            "type": self.type,
            "caseId": self.case_id,
            "originalTopic": self.original_topic,
            "originalPosition": self.original_position,
        }


def _unb64(value: str | None) -> bytes | None:
    return None if value is None else base64.b64decode(value)


def dead_letter(record: ConsumedRecord) -> DeadLetter:
    raw = orjson.loads(record.value or b"{}")
    original = raw["original"]
    headers = tuple((name, _unb64(value)) for name, value in original["headers"])
    topic = original["topic"]
    if topic == REDRIVE:  # rejected again after a re-drive: keep the first ingress topic
        topic = header(headers, ORIGINAL_TOPIC_HEADER) or topic
    return DeadLetter(
        position=f"{record.partition}/{record.offset}",
        timestamp_ms=record.timestamp_ms,
        reason=raw["reason"],
        message=raw["message"],
        path=raw.get("path"),
        action_by=raw["actionBy"],
        event_id=raw.get("eventId"),
        source=raw.get("source"),
        type=raw.get("type"),
        case_id=raw.get("caseId"),
        original_topic=topic,
        original_position=f"{original['topic']}/{original['partition']}/{original['offset']}",
        original_key=_unb64(original["key"]),
        original_headers=headers,
        original_value=_unb64(original["value"]),
    )


def dead_letters(
    settings: KafkaSettings,
    *,
    reason: str | None = None,
    case_id: str | None = None,
    source: str | None = None,
) -> list[DeadLetter]:
    """Every dead letter, oldest first, filtered by reason, case and source."""
    keys = {case_id.encode()} if case_id else None
    found = [dead_letter(r) for r in read_topic(settings, DLQ, keys=keys)]
    return sorted(
        (
            d
            for d in found
            if (reason is None or d.reason == reason) and (source is None or d.source == source)
        ),
        key=lambda d: d.timestamp_ms,
    )


def find_dead_letter(settings: KafkaSettings, position: str) -> DeadLetter | None:
    """The dead letter at `partition/offset` in hub.dlq, if there is one."""
    return next((d for d in dead_letters(settings) if d.position == position), None)


def redrive_record(
    letter: DeadLetter,
    operator: str,
    fixed_value: bytes | None = None,
    signer: EventSigner | None = None,
) -> OutgoingRecord:
    """The `hub.redrive` record that sends `letter` (or its fixed value) through the hub again.

    A fixed value no longer matches the sender's signature: operations sign it with
    the hub's key (`signer`), as the hub vouches for what it re-drives; the audit
    log keeps the sender's original digest and who re-drove it.
    """
    kept: Iterable[tuple[str, bytes | None]] = (
        (name, value) for name, value in letter.original_headers if name not in HUB_HEADERS
    )
    value = letter.original_value if fixed_value is None else fixed_value
    if fixed_value is not None and signer is not None:
        kept = signer.sign_headers(kept, value or b"")
    headers = (
        *kept,
        (ORIGINAL_TOPIC_HEADER, letter.original_topic.encode()),
        (REDRIVE_OF_HEADER, f"{DLQ}/{letter.position}".encode()),
        (REDRIVE_BY_HEADER, operator.encode()),
    )
    return OutgoingRecord(REDRIVE, redrive_key(letter), value, headers)


def redrive_key(letter: DeadLetter) -> bytes | None:
    """The key of every `hub.redrive` record about `letter` (re-drives and operators'
    actions): one partition, so one hub instance decides them in order, in one chain."""
    return letter.original_key or (letter.case_id.encode() if letter.case_id else None)
