"""What an agency will publish, and when: events planned in simulated time.

An agency decides what follows from what it received (a court plans its
judgment, KODA plans admission, leaves and release) and writes those events
to its outbox in the same transaction as its own records; the outbox relay
publishes each one when the simulated clock reaches its `due` instant. The
event id is fixed when the event is planned, so a publish repeated after a
crash carries the same (`ce_source`, `ce_id`) and the hub drops the repeat.
"""

from __future__ import annotations

import hashlib
import random
import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from opentelemetry import trace


def new_event_id() -> str:
    """A fresh UUID: ids are never seeded, so two runs of one seed never collide."""
    return str(uuid.uuid4())


def seeded_random(seed: int, *parts: object) -> random.Random:
    """A generator fixed by `seed` and `parts` (e.g. what a case is about).

    Agencies receive cases in whatever order Kafka's partitions interleave;
    seeding per case from its content keeps each decision reproducible anyway.
    """
    text = "|".join(str(part) for part in (seed, *parts))
    return random.Random(int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big"))


def continued_trace(traceparent: str | None) -> str:
    """A W3C traceparent in the same trace as `traceparent` (a new one if none).

    Police start one trace per case; everything that follows from it stays in
    that trace, so operations can follow one case across every hop.
    """
    current = trace.get_current_span()
    if current.is_recording():  # inside a connector's span: the next hop is its child
        context = current.get_span_context()
        return f"00-{context.trace_id:032x}-{context.span_id:016x}-01"
    trace_id = traceparent.split("-")[1] if traceparent else secrets.token_hex(16)
    return f"00-{trace_id}-{secrets.token_hex(8)}-01"


@dataclass(frozen=True, slots=True)
class PlannedEvent:
    """One event an agency will publish to its ingress topic when `due` comes."""

    type_name: str  # the catalogue type without no.justice.: "leave.granted"
    version: int
    data: Mapping[str, Any]
    due: datetime  # simulated instant at which it happens
    event_id: str = field(default_factory=new_event_id)
    traceparent: str | None = None

    @property
    def case_id(self) -> str:
        return str(self.data["caseId"])


def paced(
    events: Sequence[PlannedEvent], reference: datetime, now: datetime, traceparent: str | None
) -> list[PlannedEvent]:
    """`events`, dated from `reference` in their data, due as long after `now` as they
    are after `reference`, in the trace `traceparent`.

    An agency dates what it decides from the facts it received (a judgment some
    weeks after the registration), so a seed gives the same dates on every run;
    it publishes on its own clock, so the pace holds even when agencies in
    separate processes started their clocks at different times.
    """
    shift = now - reference
    return [replace(event, due=event.due + shift, traceparent=traceparent) for event in events]
