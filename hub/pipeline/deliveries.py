"""What the hub delivered, to whom, and under which projection: the memory behind
receipts, delivery confirmations, retractions and corrections.

Every accepted event leaves a `DeliveredEvent` in its partition's state (and in
`hub.registry`, inside the event's `seen/` record, so it costs no extra write).
A confirmation is checked against it (did this agency get this event?), and a
retraction or correction goes to exactly the recipients it names, projected by
the fields they were given then, not by today's routes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from hub.pipeline.project import Projection, compile_projection

if TYPE_CHECKING:  # route.py imports this module's neighbours: a type-only import
    from hub.pipeline.route import Recipient

HUB_SENDER = "hub"  # the sender of the hub's own events (victim alerts)


@dataclass(frozen=True, slots=True)
class RecipientCopy:
    """One recipient's copy of an event: the agency and the fields it was given."""

    agency: str
    fields: tuple[str, ...]
    enrich: tuple[tuple[str, str], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"agency": self.agency, "fields": self.fields, "enrich": dict(self.enrich)}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> RecipientCopy:
        enrich = tuple(sorted(raw.get("enrich", {}).items()))
        return cls(raw["agency"], tuple(raw["fields"]), enrich)


@dataclass(frozen=True, slots=True)
class DeliveredEvent:
    """An accepted event as the hub passed it on; `retracted` once its sender withdrew it."""

    event_id: str
    source: str
    sender: str  # the agency whose ingress topic it came on; HUB_SENDER for alerts
    event_type: str
    case_id: str
    recipients: tuple[RecipientCopy, ...]
    retracted: bool = False
    alerts: tuple[tuple[str, str], ...] = ()  # (alert id, victim id) of the alerts it raised

    def copy_for(self, agency: str) -> RecipientCopy | None:
        return next((r for r in self.recipients if r.agency == agency), None)

    @property
    def agencies(self) -> list[str]:
        return sorted({r.agency for r in self.recipients})

    def as_retracted(self) -> DeliveredEvent:
        return replace(self, retracted=True)

    def to_json(self) -> dict[str, Any]:
        return {
            "eventId": self.event_id,
            "source": self.source,
            "sender": self.sender,
            "type": self.event_type,
            "caseId": self.case_id,
            "recipients": [r.to_json() for r in self.recipients],
            "retracted": self.retracted,
            "alerts": self.alerts,
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any], copies: CopyCache) -> DeliveredEvent:
        return cls(
            raw["eventId"],
            raw["source"],
            raw["sender"],
            raw["type"],
            raw["caseId"],
            tuple(copies.shared(RecipientCopy.from_json(r)) for r in raw["recipients"]),
            raw.get("retracted", False),
            tuple((alert, victim) for alert, victim in raw.get("alerts", ())),
        )


class CopyCache:
    """One object per distinct recipient copy and one compiled projection per field list.

    Thousands of delivered events share a handful of (agency, fields) pairs;
    sharing them keeps the restored state small and compiles each projection once.
    """

    def __init__(self) -> None:
        self._copies: dict[RecipientCopy, RecipientCopy] = {}
        self._projections: dict[tuple[str, ...], Projection] = {}

    def shared(self, copy: RecipientCopy) -> RecipientCopy:
        return self._copies.setdefault(copy, copy)

    def projection(self, copy: RecipientCopy) -> Projection:
        found = self._projections.get(copy.fields)
        if found is None:
            found = self._projections[copy.fields] = compile_projection(copy.fields)
        return found


def copies_of(recipients: Iterable[Recipient]) -> tuple[RecipientCopy, ...]:
    """A route's recipients as delivery records keep them."""
    return tuple(
        RecipientCopy(r.agency, r.projection.paths, tuple(sorted(r.enrich.items())))
        for r in recipients
    )
