"""`hub receipts`: what the hub told each sender, and each event's state per recipient.

Read from the receipts themselves (`no.justice.hub.receipt` on the senders'
`egress.*` topics), the same records the senders got: an event's latest
answer (ACCEPTED, REJECTED, PENDING) and, per recipient it was routed to,
DELIVERED, FAILED_RECEIVER or AWAITING_CONFIRMATION.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import orjson

from hub.envelope import TYPE_PREFIX
from hub.kafka.io import ConsumedRecord, read_topic
from hub.kafka.topology import AGENCIES, egress
from hub.pipeline.receipts import RECEIPT, ReceiptStatus
from hub.settings import KafkaSettings

AWAITING = "AWAITING_CONFIRMATION"
_RECEIPT_TYPE = (TYPE_PREFIX + RECEIPT).encode()
_PER_RECIPIENT = frozenset({ReceiptStatus.DELIVERED, ReceiptStatus.FAILED_RECEIVER})


def read_receipts(settings: KafkaSettings, *, case_id: str | None = None) -> list[dict[str, Any]]:
    """Every receipt on the egress topics (of one case, when given), in the order issued."""
    keys = {case_id.encode()} if case_id else None
    records: list[ConsumedRecord] = [
        record
        for agency in AGENCIES
        for record in read_topic(settings, egress(agency), keys=keys)
        if record.header("ce_type") == _RECEIPT_TYPE
    ]
    receipts = [orjson.loads(record.value or b"{}") for record in records]
    return sorted(receipts, key=lambda r: r["issuedAt"])


def delivery_states(receipts: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Per event (source and id), its latest answer and its state at each recipient."""
    events: dict[tuple[str, str], dict[str, Any]] = {}
    for receipt in receipts:
        key = (receipt["eventSource"], receipt["eventId"])
        event = events.setdefault(
            key,
            {
                "eventId": receipt["eventId"],
                "eventSource": receipt["eventSource"],
                "eventType": receipt.get("eventType"),
                "caseId": receipt.get("caseId"),
                "status": None,
                "recipients": {},
                "receipts": 0,
            },
        )
        event["receipts"] += 1
        status = ReceiptStatus(receipt["status"])
        if status in _PER_RECIPIENT:
            event["recipients"][receipt["recipient"]] = {
                "state": status.value,
                **{k: receipt[k] for k in ("reason", "actionBy", "message") if k in receipt},
            }
            continue
        event["status"] = status.value
        for field in ("reason", "actionBy", "message"):  # a later answer replaces an earlier one
            if field in receipt:
                event[field] = receipt[field]
            else:
                event.pop(field, None)
        for recipient in receipt.get("recipients", ()):
            event["recipients"].setdefault(recipient, {"state": AWAITING})
    return list(events.values())
