"""Last step: what each outcome writes, as records for one Kafka transaction.

Accepted: a projected record per recipient on its `egress.*` topic (same
`ce_source` and `ce_id` as the original, the canonical `ce_dataschema`), the
victim alerts to police, the registry changes, an ACCEPTED receipt to the
sender (and for a `delivery.confirmed`, DELIVERED or FAILED_RECEIVER to the
original's sender) and an audit record. Rejected: a `hub.dlq` record, a
REJECTED receipt and an audit record. Duplicate: the receipt again and an
audit record. Parked: the parked event in the registry, a PENDING receipt and
an audit record. An operator's action on a dead letter (OperatorActed): only an
OPERATOR audit record. Every audit record names the records it accounts for.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from hub.envelope import TYPE_PREFIX, Envelope, to_headers
from hub.kafka.topology import egress
from hub.pipeline.alert_records import AlertWriter
from hub.pipeline.alerts import VICTIM_ALERT
from hub.pipeline.audit import AuditDraft, Output, digest
from hub.pipeline.deliveries import HUB_SENDER
from hub.pipeline.dlq import dead_letter
from hub.pipeline.operator import OPERATOR, audit_fields
from hub.pipeline.outcomes import (
    Accepted,
    Confirmation,
    Duplicate,
    OperatorActed,
    Outcome,
    Parked,
    Rejected,
)
from hub.pipeline.ownership import agency_of
from hub.pipeline.reasons import RejectReason, receiver_failure_action
from hub.pipeline.receipts import RECEIPT, Receipts, ReceiptStatus, instant
from hub.pipeline.records import (
    REDRIVE_BY_HEADER,
    REDRIVE_OF_HEADER,
    IngressRecord,
    OutgoingRecord,
    header,
)
from hub.pipeline.registry import CASE_REGISTERED
from hub.pipeline.state import ParkedEvent, PartitionState, event_key

SIGNATURE_HEADER = "ce_jws"


def _event_fields(envelope: Envelope | None, record: IngressRecord) -> dict[str, Any]:
    redrive = (
        {
            "redriveOf": header(record.headers, REDRIVE_OF_HEADER),
            "redriveBy": header(record.headers, REDRIVE_BY_HEADER),
        }
        if record.is_redrive
        else {}
    )
    return {
        **redrive,
        "eventId": envelope.id if envelope else None,
        "source": envelope.source if envelope else None,
        "type": envelope.type if envelope else None,
        "caseId": envelope.subject if envelope else None,
        "ingress": record.position,
        "digest": digest(record.value),
        # The sender's own statement, provable later against its published key.
        "signatureDigest": digest(record.header(SIGNATURE_HEADER)),
    }


def sender_of(record: IngressRecord) -> str | None:
    """The agency that sent the record: the owner of the ingress topic it first came on."""
    return agency_of(record.origin_topic)


Named = list[tuple[dict[str, Any], OutgoingRecord]]


class Publisher:
    """Turns outcomes into records; knows the canonical versions of what the hub writes itself."""

    def __init__(self, versions: Mapping[str, int]) -> None:
        """`versions`: the canonical version of each type the hub writes itself."""
        self.alerts = AlertWriter(versions)
        self.receipts = Receipts(versions[RECEIPT])

    def records_for(
        self, outcome: Outcome, record: IngressRecord, state: PartitionState, now_ms: int
    ) -> list[Output]:
        if isinstance(outcome, OperatorActed):  # audited, nothing else
            draft = AuditDraft(state.audit, OPERATOR, audit_fields(outcome, record), now_ms)
            return [draft]
        fields = _event_fields(getattr(outcome, "envelope", None), record)
        sender = sender_of(record)
        match outcome:
            case Accepted():
                return self._accepted(outcome, fields, sender, state, now_ms)
            case Rejected(rejection=rejection, envelope=envelope, case_id=case_id):
                letter = dead_letter(record, rejection, envelope, case_id, now_ms)
                dlq_entry = {"topic": letter.topic}
                receipts: Named = []
                if envelope is not None and sender is not None:
                    receipts.append(self.receipts.rejected(envelope, sender, rejection, now_ms))
                reject_fields = {**fields, "reason": rejection.reason.value, "dlq": dlq_entry}
                audited = _audited(
                    "REJECT", reject_fields, state, now_ms, [(dlq_entry, letter)], receipts=receipts
                )
                return [letter, *audited]
            case Duplicate(envelope=envelope):
                receipts = [] if sender is None else [self._answer(envelope, sender, state, now_ms)]
                return _audited("DEDUPE", fields, state, now_ms, [], receipts=receipts)
            case Parked(envelope=envelope, missing=missing, deadline_ms=deadline):
                parked = ParkedEvent(record, envelope.subject, missing.message, deadline)
                out: list[Output] = [
                    state.mark_seen(envelope, now_ms),
                    state.park(envelope, parked),
                ]
                receipts = [] if sender is None else [self._answer(envelope, sender, state, now_ms)]
                return out + _audited("PARK", fields, state, now_ms, [], receipts=receipts)
        raise TypeError(f"unknown outcome {outcome!r}")

    def _answer(
        self, envelope: Envelope, sender: str, state: PartitionState, now_ms: int
    ) -> tuple[dict[str, Any], OutgoingRecord]:
        """ACCEPTED or PENDING for an event the hub holds (the same receipt id when repeated)."""
        parked = state.parked.get(event_key(envelope.source, envelope.id))
        if parked is not None:
            return self.receipts.receipt(
                envelope,
                sender,
                ReceiptStatus.PENDING,
                now_ms,
                reason=RejectReason.REFERENCE_NOT_FOUND.value,
                missingReference={
                    "field": "/caseId",
                    "awaitedType": TYPE_PREFIX + CASE_REGISTERED,
                },
                parkedUntil=instant(parked.deadline_ms),
            )
        delivered = state.delivered.get(envelope.id)
        recipients = delivered.agencies if delivered is not None else []
        return self.receipts.receipt(
            envelope, sender, ReceiptStatus.ACCEPTED, now_ms, recipients=recipients
        )

    def _accepted(
        self,
        outcome: Accepted,
        fields: dict[str, Any],
        sender: str | None,
        state: PartitionState,
        now_ms: int,
    ) -> list[Output]:
        envelope = outcome.envelope
        key = envelope.subject.encode()
        headers = tuple(to_headers(envelope))
        out: list[Output] = [state.mark_seen(envelope, now_ms, outcome.delivered)]
        if outcome.registry_change is not None:
            out.append(state.record_case(outcome.registry_change))
        if outcome.forgets_case:
            out.append(state.forget_case(envelope.subject))
        if outcome.withdrawn is not None:
            out.append(state.record_delivered(outcome.withdrawn, now_ms))
        deliveries: Named = []
        for delivery in outcome.deliveries:
            topic = egress(delivery.agency)
            egress_record = OutgoingRecord(topic, key, orjson.dumps(delivery.data), headers)
            entry = {"recipient": delivery.agency, "topic": topic, "eventId": envelope.id}
            deliveries.append((entry, egress_record))
        for alert in outcome.alerts:
            named, remembered = self.alerts.sent(
                (VICTIM_ALERT, alert.alert_id),
                envelope.subject,
                alert.deliveries,
                alert.copies,
                state=state,
                now_ms=now_ms,
                traceparent=envelope.traceparent,
            )
            deliveries.extend(named)
            out += [remembered, state.track(alert.tracked)]
        out.extend(state.track(change) for change in outcome.alert_changes)
        receipts: Named = []
        if sender is not None:
            recipients = outcome.delivered.agencies
            receipts.append(
                self.receipts.receipt(
                    envelope, sender, ReceiptStatus.ACCEPTED, now_ms, recipients=recipients
                )
            )
        accept_fields = {**fields, "deliveries": [entry for entry, _ in deliveries]}
        if (confirmation := outcome.confirmation) is not None:
            accept_fields["confirms"] = {
                "eventId": confirmation.original.event_id,
                "recipient": confirmation.recipient,
                "processed": confirmation.failure is None,
            }
            if confirmation.original.sender != HUB_SENDER:
                receipts.append(self._confirmed(confirmation, now_ms))
        if outcome.amends is not None:
            accept_fields["amends"] = outcome.amends
        if late := [a.alert_id for a in outcome.alerts if a.tracked.late_notice]:
            accept_fields["lateNotice"] = late  # told at once, but after the leave began
        if outcome.alert_changes:
            accept_fields["alertStates"] = {
                a.alert_id: a.status.value for a in outcome.alert_changes
            }
        out.extend(record for _, record in deliveries)
        return out + _audited("ACCEPT", accept_fields, state, now_ms, deliveries, receipts=receipts)

    def _confirmed(
        self, confirmation: Confirmation, now_ms: int
    ) -> tuple[dict[str, Any], OutgoingRecord]:
        """DELIVERED or FAILED_RECEIVER to the original's sender, for one recipient."""
        original, recipient = confirmation.original, confirmation.recipient
        if confirmation.failure is None:
            return self.receipts.receipt(
                original, original.sender, ReceiptStatus.DELIVERED, now_ms, recipient=recipient
            )
        return self.receipts.receipt(
            original,
            original.sender,
            ReceiptStatus.FAILED_RECEIVER,
            now_ms,
            recipient=recipient,
            reason=RejectReason.RECEIVER_FAILED.value,
            message=f"{recipient} could not process the event: {confirmation.failure}",
            actionBy=receiver_failure_action(confirmation.failure).value,
        )


def _audited(
    action: str,
    fields: dict[str, Any],
    state: PartitionState,
    now_ms: int,
    named: Named,
    *,
    receipts: Named,
) -> list[Output]:
    """The receipts, then the audit draft naming them and the `named` records (with offsets).

    The caller writes the `named` records itself (deliveries, a dead letter).
    """
    receipt_entries = [entry for entry, _ in receipts]
    draft = AuditDraft(state.audit, action, {**fields, "receipts": receipt_entries}, now_ms)
    draft.names.extend(named)
    draft.names.extend(receipts)
    return [*(record for _, record in receipts), draft]
