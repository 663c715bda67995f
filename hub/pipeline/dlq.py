"""Dead letters: a rejected event with its reason and the original, byte for byte."""

from __future__ import annotations

import base64

import orjson

from hub.envelope import Envelope
from hub.kafka.topology import DLQ
from hub.pipeline.outcomes import Rejection
from hub.pipeline.records import IngressRecord, OutgoingRecord


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
        "original": {
            "topic": record.topic,
            "partition": record.partition,
            "offset": record.offset,
            "timestampMs": record.timestamp_ms,
            "key": _b64(record.key),
            "headers": [[name, _b64(header)] for name, header in record.headers],
            "value": _b64(record.value),
        },
    }
    key = case_id.encode() if case_id else record.key
    headers = (("hub_reason", rejection.reason.value.encode()),)
    return OutgoingRecord(DLQ, key, orjson.dumps(value), headers)
