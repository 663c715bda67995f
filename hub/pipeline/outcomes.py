"""What the pipeline decided about one event: values the edge turns into records."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hub.envelope import Envelope
from hub.pipeline.reasons import RejectReason
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
    deliveries: tuple[Delivery, ...]


@dataclass(frozen=True, slots=True)
class Accepted:
    envelope: Envelope
    canonical_version: int
    deliveries: tuple[Delivery, ...]
    alerts: tuple[VictimAlert, ...] = ()
    registry_change: CaseFacts | None = None


@dataclass(frozen=True, slots=True)
class Rejected:
    rejection: Rejection
    envelope: Envelope | None = None
    case_id: str | None = None


@dataclass(frozen=True, slots=True)
class Duplicate:
    envelope: Envelope


@dataclass(frozen=True, slots=True)
class Parked:
    """Waiting for a case the registry has not seen yet (bounded wait, then rejected)."""

    envelope: Envelope
    missing: str
    deadline_ms: int
    extra: Mapping[str, Any] = field(default_factory=dict)


Outcome = Accepted | Rejected | Duplicate | Parked
