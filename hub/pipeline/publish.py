"""Last step: what each outcome writes, as records for one Kafka transaction.

Accepted: a projected record per recipient on its `egress.*` topic (same
`ce_source` and `ce_id` as the original, the canonical `ce_dataschema`), the
victim alerts to police, the registry changes and an audit record. Rejected:
a `hub.dlq` record and an audit record. Duplicate: an audit record only.
Parked: the parked event in the registry and an audit record.
"""

from __future__ import annotations

from typing import Any

import orjson

from hub.envelope import Envelope, new_envelope, to_headers
from hub.kafka.topology import egress
from hub.pipeline.alerts import VICTIM_ALERT
from hub.pipeline.audit import AuditDraft, Output, digest
from hub.pipeline.dlq import dead_letter
from hub.pipeline.outcomes import Accepted, Duplicate, Outcome, Parked, Rejected
from hub.pipeline.records import (
    REDRIVE_BY_HEADER,
    REDRIVE_OF_HEADER,
    IngressRecord,
    OutgoingRecord,
    header,
)
from hub.pipeline.state import ParkedEvent, PartitionState

HUB_SOURCE = "urn:no:justice:hub"


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
    }


class Publisher:
    """Turns outcomes into records; knows the canonical version of the alerts it makes."""

    def __init__(self, alert_version: int) -> None:
        self.alert_version = alert_version

    def records_for(
        self, outcome: Outcome, record: IngressRecord, state: PartitionState, now_ms: int
    ) -> list[Output]:
        fields = _event_fields(getattr(outcome, "envelope", None), record)
        match outcome:
            case Accepted():
                return self._accepted(outcome, fields, state, now_ms)
            case Rejected(rejection=rejection, envelope=envelope, case_id=case_id):
                letter = dead_letter(record, rejection, envelope, case_id, now_ms)
                dlq_entry = {"topic": letter.topic}
                reject_fields = {**fields, "reason": rejection.reason.value, "dlq": dlq_entry}
                draft = AuditDraft(state.audit, "REJECT", reject_fields, now_ms)
                draft.names.append((dlq_entry, letter))
                return [letter, draft]
            case Duplicate():
                return [AuditDraft(state.audit, "DEDUPE", fields, now_ms)]
            case Parked(envelope=envelope, missing=missing, deadline_ms=deadline):
                parked = ParkedEvent(record, envelope.subject, missing, deadline)
                return [
                    state.mark_seen(envelope, now_ms),
                    state.park(envelope, parked),
                    AuditDraft(state.audit, "PARK", fields, now_ms),
                ]
        raise TypeError(f"unknown outcome {outcome!r}")

    def _accepted(
        self, outcome: Accepted, fields: dict[str, Any], state: PartitionState, now_ms: int
    ) -> list[Output]:
        envelope = outcome.envelope
        key = envelope.subject.encode()
        headers = tuple(to_headers(envelope))
        out: list[Output] = [state.mark_seen(envelope, now_ms)]
        if outcome.registry_change is not None:
            out.append(state.record_case(outcome.registry_change))
        deliveries: list[tuple[dict[str, Any], OutgoingRecord]] = []
        for delivery in outcome.deliveries:
            topic = egress(delivery.agency)
            egress_record = OutgoingRecord(topic, key, orjson.dumps(delivery.data), headers)
            entry = {"recipient": delivery.agency, "topic": topic, "eventId": envelope.id}
            deliveries.append((entry, egress_record))
        for alert in outcome.alerts:
            alert_envelope = new_envelope(
                VICTIM_ALERT,
                self.alert_version,
                HUB_SOURCE,
                envelope.subject,
                event_id=alert.alert_id,
                traceparent=envelope.traceparent,
            )
            alert_headers = tuple(to_headers(alert_envelope))
            for delivery in alert.deliveries:
                topic = egress(delivery.agency)
                alert_record = OutgoingRecord(
                    topic, key, orjson.dumps(delivery.data), alert_headers
                )
                entry = {"recipient": delivery.agency, "topic": topic, "eventId": alert.alert_id}
                deliveries.append((entry, alert_record))
        out.extend(record for _, record in deliveries)
        entries = [entry for entry, _ in deliveries]
        draft = AuditDraft(state.audit, "ACCEPT", {**fields, "deliveries": entries}, now_ms)
        draft.names.extend(deliveries)
        out.append(draft)
        return out
