"""What the pipeline decided about one event: values the edge turns into records."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hub.envelope import Envelope
from hub.pipeline.alert_states import TrackedAlert
from hub.pipeline.deliveries import DeliveredEvent, RecipientCopy
from hub.pipeline.reasons import RejectReason
from hub.pipeline.records import OperatorAction
from hub.pipeline.registry import CaseFacts


@dataclass(frozen=True, slots=True)
class Rejection:
    """A step refused the event: the reason code, a readable message, and where."""

    reason: RejectReason
    message: str
    path: str | None = None


@dataclass(frozen=True, slots=True)
class Delivery:
    """The projected data one recipient gets."""

    agency: str
    data: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class VictimAlert:
    """A victim.alert the hub raises, projected for each recipient the victim.alert route names."""

    alert_id: str
    victim_id: str
    deliveries: tuple[Delivery, ...]
    copies: tuple[RecipientCopy, ...]
    tracked: TrackedAlert  # its first state, kept in hub.alerts


@dataclass(frozen=True, slots=True)
class Confirmation:
    """A recipient's word that it processed (or could not process) an event it was given."""

    original: DeliveredEvent
    recipient: str
    failure: str | None  # the recipient's reason code when it could not process the event


@dataclass(frozen=True, slots=True)
class Accepted:
    """Passed every check: delivered as `delivered` records, with what else it changed.

    `confirmation` is set for a `delivery.confirmed`; `withdrawn` is the original
    event a retraction withdraws, as it must be remembered from now on.
    """

    envelope: Envelope
    canonical_version: int
    deliveries: tuple[Delivery, ...]
    delivered: DeliveredEvent
    alerts: tuple[VictimAlert, ...] = ()
    registry_change: CaseFacts | None = None
    confirmation: Confirmation | None = None
    withdrawn: DeliveredEvent | None = None
    amends: str | None = None  # the event id a retraction or correction amends
    alert_changes: tuple[TrackedAlert, ...] = ()  # acknowledged, or withdrawn with the consent
    forgets_case: bool = False  # a case.registered retracted: the registry drops the case


@dataclass(frozen=True, slots=True)
class Rejected:
    rejection: Rejection
    envelope: Envelope | None = None
    case_id: str | None = None


@dataclass(frozen=True, slots=True)
class Duplicate:
    envelope: Envelope


@dataclass(frozen=True, slots=True)
class MissingReference:
    """What an event refers to that the hub does not hold: where, awaited from which type."""

    message: str
    field: str = "/caseId"
    awaited_type: str = "case.registered"


@dataclass(frozen=True, slots=True)
class Parked:
    """Waiting for a case the registry has not seen yet (bounded wait, then rejected)."""

    envelope: Envelope
    missing: MissingReference
    deadline_ms: int


@dataclass(frozen=True, slots=True)
class AlertAttempt:
    """An alert's wait ran out: its new state and what to send (`event`: type and ce_id),
    a repeat of the alert or its escalation; nothing when the consent was withdrawn."""

    after: TrackedAlert
    event: tuple[str, str] | None
    deliveries: tuple[Delivery, ...]
    copies: tuple[RecipientCopy, ...] = ()


@dataclass(frozen=True, slots=True)
class OperatorActed:
    """An operator's action on a dead letter (`target`: `hub.dlq/<partition>/<offset>`):
    audited, nothing else (hub/pipeline/operator.py)."""

    action: OperatorAction
    operator: str
    target: str
    case_id: str | None = None
    field: str | None = None  # a JSON pointer: a reveal names the path, never the value
    note: str | None = None  # may hold personal data: only its digest is audited
    at_ms: int | None = None


Outcome = Accepted | Rejected | Duplicate | Parked | OperatorActed
