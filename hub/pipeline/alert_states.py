"""Each victim alert's life: SENT, then ACKNOWLEDGED, or REPEATED and at last ESCALATED.

The hub keeps one `TrackedAlert` per alert in the compacted `hub.alerts` topic
(written in the same transaction as the alert itself), so repeats and
escalations survive a restart and happen once. A tracked alert holds what to
say again (the trigger, kind, dates), never how to reach the victim: contact
details are read from the registry at each attempt, so a withdrawn consent
stops the next attempt (WITHDRAWN).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import orjson

# What an alert says, kept to say it again (no contact details).
SAID_AGAIN = ("trigger", "kind", "urgency", "notifyBy", "window", "prisonUnit", "correctsAlertId")


class AlertStatus(enum.StrEnum):
    SENT = "SENT"
    REPEATED = "REPEATED"
    ACKNOWLEDGED = "ACKNOWLEDGED"
    ESCALATED = "ESCALATED"
    WITHDRAWN = "WITHDRAWN"  # the victim withdrew the consent before acknowledging

    @property
    def pending(self) -> bool:
        return self in (AlertStatus.SENT, AlertStatus.REPEATED)


@dataclass(frozen=True, slots=True)
class TrackedAlert:
    alert_id: str
    case_id: str
    victim_id: str
    status: AlertStatus
    attempts: int
    first_sent_ms: int
    next_due_ms: int
    trigger_ingress_ms: int  # when the triggering event reached Kafka: latency's start
    said: Mapping[str, Any]
    late_notice: bool = False
    closed_ms: int | None = None

    @property
    def kind(self) -> str:
        return str(self.said["kind"])

    @property
    def urgency(self) -> str:
        return str(self.said["urgency"])

    def attempted(self, now_ms: int, wait_ms: int) -> TrackedAlert:
        return replace(
            self,
            status=AlertStatus.REPEATED,
            attempts=self.attempts + 1,
            next_due_ms=now_ms + wait_ms,
        )

    def closed(self, status: AlertStatus, now_ms: int) -> TrackedAlert:
        return replace(self, status=status, closed_ms=now_ms)

    def to_json(self) -> bytes:
        return orjson.dumps(
            {
                "alertId": self.alert_id,
                "caseId": self.case_id,
                "victimId": self.victim_id,
                "kind": self.kind,
                "urgency": self.urgency,
                "state": self.status.value,
                "attempts": self.attempts,
                "firstSentMs": self.first_sent_ms,
                "nextDueMs": self.next_due_ms,
                "triggerIngressMs": self.trigger_ingress_ms,
                "lateNotice": self.late_notice,
                "closedMs": self.closed_ms,
                "said": self.said,
            }
        )

    @classmethod
    def from_json(cls, value: bytes) -> TrackedAlert:
        raw = orjson.loads(value)
        return cls(
            raw["alertId"],
            raw["caseId"],
            raw["victimId"],
            AlertStatus(raw["state"]),
            raw["attempts"],
            raw["firstSentMs"],
            raw["nextDueMs"],
            raw["triggerIngressMs"],
            raw["said"],
            raw["lateNotice"],
            raw["closedMs"],
        )


def tracked(
    alert: Mapping[str, Any], now_ms: int, wait_ms: int, trigger_ingress_ms: int, late: bool
) -> TrackedAlert:
    """The state of an alert just sent for the first time."""
    return TrackedAlert(
        alert["alertId"],
        alert["caseId"],
        alert["victimId"],
        AlertStatus.SENT,
        1,
        now_ms,
        now_ms + wait_ms,
        trigger_ingress_ms,
        {key: alert[key] for key in SAID_AGAIN if key in alert},
        late,
    )
