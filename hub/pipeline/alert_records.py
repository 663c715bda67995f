"""What the hub writes for its victim alerts: each attempt to police, its state in
`hub.alerts`, and, for repeats and escalations the hub makes on its own, an audit
record naming them (they have no ingress record to account for them)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from hub.envelope import new_envelope, to_headers
from hub.kafka.topology import egress
from hub.pipeline.audit import AuditDraft, Output
from hub.pipeline.deliveries import HUB_SENDER, DeliveredEvent, RecipientCopy
from hub.pipeline.outcomes import AlertAttempt, Delivery
from hub.pipeline.receipts import HUB_SOURCE
from hub.pipeline.records import OutgoingRecord
from hub.pipeline.state import PartitionState

Named = list[tuple[dict[str, Any], OutgoingRecord]]


class AlertWriter:
    """Records of alerts, for the canonical versions of the alert types."""

    def __init__(self, versions: Mapping[str, int]) -> None:
        self.versions = versions

    def sent(
        self,
        event: tuple[str, str],
        case_id: str,
        deliveries: tuple[Delivery, ...],
        copies: tuple[RecipientCopy, ...],
        *,
        state: PartitionState,
        now_ms: int,
        traceparent: str | None = None,
    ) -> tuple[Named, OutgoingRecord]:
        """One attempt's records to its recipients, and the memory that they got it
        (so their delivery.confirmed is accepted)."""
        event_type, event_id = event
        envelope = new_envelope(
            event_type,
            self.versions[event_type],
            HUB_SOURCE,
            case_id,
            event_id=event_id,
            traceparent=traceparent,
        )
        headers = tuple(to_headers(envelope))
        key = case_id.encode()
        named: Named = []
        for delivery in deliveries:
            topic = egress(delivery.agency)
            record = OutgoingRecord(topic, key, orjson.dumps(delivery.data), headers)
            named.append(
                ({"recipient": delivery.agency, "topic": topic, "eventId": event_id}, record)
            )
        delivered = DeliveredEvent(event_id, HUB_SOURCE, HUB_SENDER, event_type, case_id, copies)
        return named, state.record_delivered(delivered, now_ms)

    def attempted(self, attempt: AlertAttempt, state: PartitionState, now_ms: int) -> list[Output]:
        """A repeat, an escalation or a stop the hub decided on its own (a timer)."""
        after = attempt.after
        out: list[Output] = [state.track(after)]
        fields: dict[str, Any] = {
            "caseId": after.case_id,
            "alertId": after.alert_id,
            "alertState": after.status.value,
            "attempt": after.attempts,
            "source": HUB_SOURCE,
            "ingress": None,
        }
        named: Named = []
        if attempt.event is not None:
            event_type, event_id = attempt.event
            named, remembered = self.sent(
                attempt.event,
                after.case_id,
                attempt.deliveries,
                attempt.copies,
                state=state,
                now_ms=now_ms,
            )
            out.append(remembered)
            out.extend(record for _, record in named)
            fields |= {"eventId": event_id, "type": f"no.justice.{event_type}"}
        fields["deliveries"] = [entry for entry, _ in named]
        draft = AuditDraft(state.audit, f"ALERT_{after.status.value}", fields, now_ms)
        draft.names.extend(named)
        out.append(draft)
        return out
