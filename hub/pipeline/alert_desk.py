"""The hub's decisions about victim alerts: raise them, track them, repeat, escalate.

Pure, like the rest of the pipeline: it is handed the partition's state and
returns what to send and the alerts' new states; the publisher writes them in
one transaction with everything else. Alerts follow the `victim.alert` route
(its fields, its recipients); an escalation follows `victim.alert.escalated`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from hub.envelope import Envelope
from hub.pipeline.alert_policy import AlertPolicy
from hub.pipeline.alert_states import AlertStatus, TrackedAlert, tracked
from hub.pipeline.alerts import (
    VICTIM_ALERT,
    alert_for,
    correction_alerts,
    late_notice,
    victim_alerts,
)
from hub.pipeline.deliveries import RecipientCopy, copies_of
from hub.pipeline.outcomes import AlertAttempt, Delivery, Rejection, VictimAlert
from hub.pipeline.project import project_for_recipient
from hub.pipeline.reasons import RejectReason
from hub.pipeline.receipts import instant
from hub.pipeline.registry import CaseFacts
from hub.pipeline.route import Routes
from hub.pipeline.state import PartitionState

ALERT_ESCALATED = "victim.alert.escalated"
ALERT_ACKNOWLEDGED = "victim.alert.acknowledged"
_ATTEMPT_NAMESPACE = uuid.UUID("9e4b7c1a-2d3f-4a5b-8c6d-7e8f9a0b1c2d")


def attempt_event_id(alert_id: str, attempt: str) -> str:
    """The ce_id of one attempt: each repeat is a new record (recipients dedupe by ce_id),
    the same alert (its alertId) in the data."""
    return str(uuid.uuid5(_ATTEMPT_NAMESPACE, f"{alert_id}|{attempt}"))


@dataclass(frozen=True, slots=True)
class AlertDesk:
    routes: Routes
    policy: AlertPolicy
    alert_copies: tuple[RecipientCopy, ...]

    def raised(
        self,
        envelope: Envelope,
        data: Mapping[str, Any],
        facts: CaseFacts | None,
        now_ms: int,
        ingress_ms: int,
    ) -> tuple[VictimAlert, ...]:
        """The alerts an accepted event raises, each with its first tracked state."""
        if facts is None:
            return ()
        late = late_notice(data, self.policy.min_notice_ms)
        found = (
            alert
            for trigger in self.routes.alerts_for(envelope.event_type)
            for alert in victim_alerts(trigger, envelope, data, facts, now_ms)
        )
        return self._victim_alerts(found, now_ms, ingress_ms, late)

    def corrections(
        self,
        envelope: Envelope,
        data: Mapping[str, Any],
        facts: CaseFacts | None,
        earlier: tuple[tuple[str, str], ...],
        *,
        now_ms: int,
        ingress_ms: int,
    ) -> tuple[VictimAlert, ...]:
        """Follow-ups saying earlier alerts were wrong (a retraction or correction)."""
        found = correction_alerts(envelope, data, facts, earlier, now_ms)
        return self._victim_alerts(found, now_ms, ingress_ms, late=False)

    def acknowledged(
        self, data: Mapping[str, Any], state: PartitionState, now_ms: int
    ) -> TrackedAlert | Rejection | None:
        """The alert's new state once police confirm the victim was reached (None: no change)."""
        alert = state.alerts.get(data["alertId"])
        if alert is None or alert.case_id != data["caseId"]:
            message = f"no victim alert of case {data['caseId']} has that id"
            return Rejection(RejectReason.REFERENCE_NOT_FOUND, message, "/alertId")
        if alert.status in (AlertStatus.ACKNOWLEDGED, AlertStatus.WITHDRAWN):
            return None
        return alert.closed(AlertStatus.ACKNOWLEDGED, now_ms)

    def withdrawn(
        self, case_id: str, victim_id: str, state: PartitionState, now_ms: int
    ) -> tuple[TrackedAlert, ...]:
        """A withdrawn consent stops every alert of that victim still waiting, at once."""
        return tuple(
            alert.closed(AlertStatus.WITHDRAWN, now_ms)
            for alert in state.pending_alerts(case_id, victim_id)
        )

    def attempt(self, alert: TrackedAlert, facts: CaseFacts | None, now_ms: int) -> AlertAttempt:
        """What to do with an alert whose wait ran out: repeat it, escalate it, or stop."""
        if facts is None or alert.victim_id not in facts.consents:
            return AlertAttempt(alert.closed(AlertStatus.WITHDRAWN, now_ms), None, ())
        if alert.attempts <= self.policy.repeats:
            sequence = alert.attempts + 1
            data = alert_for(facts, alert.victim_id, alert.alert_id, alert.said, sequence=sequence)
            after = alert.attempted(now_ms, self.policy.wait_ms(alert.urgency))
            event_id = attempt_event_id(alert.alert_id, str(sequence))
            repeat = self._projected(VICTIM_ALERT, data)
            # With the copies: police's confirmation of a repeat is of a delivery the hub knows.
            return AlertAttempt(after, (VICTIM_ALERT, event_id), repeat, self.alert_copies)
        escalation: dict[str, Any] = {
            "caseId": alert.case_id,
            "alertId": alert.alert_id,
            "victimId": alert.victim_id,
            "kind": alert.kind,
            "urgency": alert.urgency,
            "attempts": alert.attempts,
            "firstSentAt": instant(alert.first_sent_ms),
            "escalatedAt": instant(now_ms),
            "lateNotice": alert.late_notice,
        }
        event_id = attempt_event_id(alert.alert_id, "escalated")
        return AlertAttempt(
            alert.closed(AlertStatus.ESCALATED, now_ms),
            (ALERT_ESCALATED, event_id),
            self._projected(ALERT_ESCALATED, escalation),
            copies_of(self.routes.route_for(ALERT_ESCALATED).recipients),
        )

    def _projected(self, event_type: str, data: Mapping[str, Any]) -> tuple[Delivery, ...]:
        return tuple(
            Delivery(r.agency, project_for_recipient(dict(data), r.projection))
            for r in self.routes.route_for(event_type).recipients
        )

    def _victim_alerts(
        self,
        alerts: Iterable[tuple[str, dict[str, Any]]],
        now_ms: int,
        ingress_ms: int,
        late: bool,
    ) -> tuple[VictimAlert, ...]:
        return tuple(
            VictimAlert(
                alert_id,
                alert["victimId"],
                self._projected(VICTIM_ALERT, alert),
                self.alert_copies,
                tracked(alert, now_ms, self.policy.wait_ms(alert["urgency"]), ingress_ms, late),
            )
            for alert_id, alert in alerts
        )
