"""Business receipts (kvittering): what the hub tells a sender about each event it sent.

Every ingress event with a readable envelope gets one answer on its sender's own
`egress.*` topic: ACCEPTED (with the recipients it was routed to), REJECTED
(reason, message, who must act) or PENDING (parked, waiting for a reference);
a resend gets the answer again, with the same receipt id. Later, per recipient,
DELIVERED or FAILED_RECEIVER when that recipient confirms. Receipt ids are
derived from what they answer, so a re-run after a crash repeats them exactly.
No personal data: ids, codes, and messages the hub writes itself.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

import orjson

from hub.envelope import (
    DATACONTENTTYPE,
    SCHEMA_PREFIX,
    SPECVERSION,
    TYPE_PREFIX,
    Envelope,
    to_headers,
)
from hub.kafka.topology import egress
from hub.pipeline.deliveries import DeliveredEvent
from hub.pipeline.outcomes import Rejection
from hub.pipeline.records import OutgoingRecord

RECEIPT = "hub.receipt"
HUB_SOURCE = "urn:no:justice:hub"
_RECEIPT_NAMESPACE = uuid.UUID("0b6a52f4-2f1e-4f55-9c55-7f1d3e8b6c21")


class ReceiptStatus(enum.StrEnum):
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"
    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    FAILED_RECEIVER = "FAILED_RECEIVER"


def instant(ms: int) -> str:
    """An epoch-milliseconds instant as RFC 3339 in UTC."""
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).isoformat(timespec="milliseconds")


class Receipts:
    """Builds receipt records for one canonical receipt schema version."""

    def __init__(self, version: int) -> None:
        self.version = version
        self._dataschema = f"{SCHEMA_PREFIX}{RECEIPT}:{version}"

    def receipt(
        self,
        about: Envelope | DeliveredEvent,
        sender: str,
        status: ReceiptStatus,
        now_ms: int,
        *,
        recipient: str | None = None,
        traceparent: str | None = None,
        **details: Any,
    ) -> tuple[dict[str, Any], OutgoingRecord]:
        """The receipt to `sender` about an event (as it arrived, or as it was delivered)."""
        if isinstance(about, Envelope):
            event_id, source, case_id = about.id, about.source, about.subject
            event_type, traceparent = about.type, about.traceparent
        else:
            event_id, source, case_id = about.event_id, about.source, about.case_id
            event_type = TYPE_PREFIX + about.event_type
        receipt_id = str(
            uuid.uuid5(_RECEIPT_NAMESPACE, f"{source}|{event_id}|{status}|{recipient or ''}")
        )
        issued_at = instant(now_ms)
        data: dict[str, Any] = {
            "receiptId": receipt_id,
            "eventId": event_id,
            "eventSource": source,
            "eventType": event_type,
            "caseId": case_id,
            "status": status.value,
            "issuedAt": issued_at,
            **details,
        }
        if recipient is not None:
            data["recipient"] = recipient
        # Built directly: every attribute is the hub's own or was checked on the way in.
        envelope = Envelope(
            id=receipt_id,
            source=HUB_SOURCE,
            type=TYPE_PREFIX + RECEIPT,
            time=issued_at,
            subject=case_id,
            dataschema=self._dataschema,
            datacontenttype=DATACONTENTTYPE,
            specversion=SPECVERSION,
            traceparent=traceparent,
        )
        topic = egress(sender)
        record = OutgoingRecord(
            topic, case_id.encode(), orjson.dumps(data), tuple(to_headers(envelope))
        )
        entry = {"status": status.value, "receiptId": receipt_id, "topic": topic}
        if recipient is not None:
            entry["recipient"] = recipient
        return entry, record

    def rejected(
        self, about: Envelope, sender: str, rejection: Rejection, now_ms: int
    ) -> tuple[dict[str, Any], OutgoingRecord]:
        return self.receipt(
            about,
            sender,
            ReceiptStatus.REJECTED,
            now_ms,
            reason=rejection.reason.value,
            message=rejection.message,
            actionBy=rejection.reason.action_by.value,
        )
