"""Retractions and corrections: a sender takes back or replaces an event it sent.

`<type>.retracted` names the original's `ce_id` and a reason code;
`<type>.corrected` names it and carries a full new payload of `<type>`'s
canonical version in `data`. Only the original's sender may amend it, only
once it was accepted, and a retracted event stays retracted. The amendment goes
to exactly the recipients of the original, each projected by the fields it was
given then (`DeliveredEvent`), never by today's routes, and to nobody else.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hub.envelope import Envelope
from hub.pipeline.deliveries import CopyCache, DeliveredEvent
from hub.pipeline.outcomes import Delivery, Rejection
from hub.pipeline.project import project_for_recipient
from hub.pipeline.reasons import RejectReason
from hub.pipeline.registry import CaseFacts, enriched


class Amendment(enum.StrEnum):
    RETRACTED = "retracted"
    CORRECTED = "corrected"

    @property
    def reference_field(self) -> str:
        return "retractsEventId" if self is Amendment.RETRACTED else "correctsEventId"


@dataclass(frozen=True, slots=True)
class AmendmentType:
    """`judgment.final.retracted` read as (RETRACTED, `judgment.final`)."""

    amendment: Amendment
    amends: str


def amendment_type(event_type: str) -> AmendmentType | None:
    base, _, suffix = event_type.rpartition(".")
    if suffix in (Amendment.RETRACTED, Amendment.CORRECTED) and base:
        return AmendmentType(Amendment(suffix), base)
    return None


def amendment_problem(
    kind: AmendmentType, envelope: Envelope, original: DeliveredEvent | None
) -> Rejection | None:
    """Why the amendment may not apply to `original`, or None when it may."""
    field = "/" + kind.amendment.reference_field
    if original is None or original.case_id != envelope.subject:
        message = f"no accepted event of case {envelope.subject} has that id"
        return Rejection(RejectReason.REFERENCE_NOT_FOUND, message, field)
    if original.source != envelope.source:
        verb = kind.amendment.removesuffix("ed")
        message = f"only {original.source}, which sent the original, may {verb} it"
        return Rejection(RejectReason.UNAUTHORIZED_SOURCE, message, field)
    if original.event_type != kind.amends:
        message = f"the event named is a {original.event_type}, not a {kind.amends}"
        return Rejection(RejectReason.REFERENCE_NOT_FOUND, message, field)
    if original.retracted:
        message = "the event named was retracted already"
        return Rejection(RejectReason.REFERENCE_NOT_FOUND, message, field)
    return None


def amendment_deliveries(
    kind: AmendmentType,
    data: Mapping[str, Any],
    original: DeliveredEvent,
    facts: CaseFacts | None,
    copies: CopyCache,
) -> tuple[Delivery, ...]:
    """The amendment for each recipient of the original, under that recipient's projection."""
    if kind.amendment is Amendment.RETRACTED:
        return tuple(Delivery(copy.agency, data) for copy in original.recipients)
    return tuple(
        Delivery(
            copy.agency,
            {
                **data,
                "data": project_for_recipient(
                    enriched(data["data"], dict(copy.enrich), facts), copies.projection(copy)
                ),
            },
        )
        for copy in original.recipients
    )
