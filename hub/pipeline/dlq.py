"""Dead letters: a rejected event with its reason and the original, byte for byte."""

from __future__ import annotations

import base64

import orjson

from hub.envelope import Envelope
from hub.kafka.topology import DLQ
from hub.pipeline.audit import digest
from hub.pipeline.outcomes import Rejection
from hub.pipeline.reasons import RejectReason
from hub.pipeline.records import IngressRecord, OutgoingRecord

_KEY_KEPT_BYTES = 1024


def _b64(value: bytes | None) -> str | None:
    return None if value is None else base64.b64encode(value).decode()


def dead_letter(
    record: IngressRecord,
    rejection: Rejection,
    envelope: Envelope | None,
    case_id: str | None,
    rejected_at_ms: int,
) -> OutgoingRecord:
    """The `hub.dlq` record: reason code, message and everything needed to re-drive it."""
    oversize = rejection.reason is RejectReason.OVERSIZE
    value = {
        "reason": rejection.reason.value,
        "message": rejection.message,
        "path": rejection.path,
        "actionBy": rejection.reason.action_by.value,
        "eventId": envelope.id if envelope else None,
        "source": envelope.source if envelope else None,
        "type": envelope.type if envelope else None,
        "caseId": case_id,
        "rejectedAtMs": rejected_at_ms,
        "original": _original(record, copied=not oversize),
    }
    key = case_id.encode() if case_id else record.key
    if oversize and len(key or b"") > _KEY_KEPT_BYTES:
        key = None  # the oversize part may be the key itself: the position finds it
    headers = (("hub_reason", rejection.reason.value.encode()),)
    return OutgoingRecord(DLQ, key, orjson.dumps(value), headers)


def _original(record: IngressRecord, *, copied: bool) -> dict[str, object]:
    """Where the original is and, unless too big to copy, its bytes. An OVERSIZE record
    copied (base64, up to the broker's 2 MiB) would not fit in one dead letter; the
    ingress topics keep every record, so its position and digest find it."""
    where: dict[str, object] = {
        "topic": record.topic,
        "partition": record.partition,
        "offset": record.offset,
        "timestampMs": record.timestamp_ms,
    }
    if not copied:
        return {**where, "key": None, "headers": [], "value": None, "bytes": record.size,
                "sha256": digest(record.value)}  # fmt: skip
    return {
        **where,
        "key": _b64(record.key),
        "headers": [[name, _b64(header)] for name, header in record.headers],
        "value": _b64(record.value),
    }
