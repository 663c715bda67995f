"""Step: may this source publish this event on this topic?

A producer's identity is the topic it may write to (the broker's ACLs enforce
that on a secured cluster), so `ce_source` must name the agency that owns the
ingress topic, and that agency must be a producer of the event type. This is
what stops a spoofed `ce_source` even where the broker allowed the write.
"""

from __future__ import annotations

from collections.abc import Collection

from hub.envelope import Envelope
from hub.kafka.topology import AGENCIES

INGRESS_PREFIX = "ingress."


def agency_of(topic: str) -> str | None:
    """The agency owning an ingress topic; None for any other topic."""
    agency = topic.removeprefix(INGRESS_PREFIX)
    return agency if agency in AGENCIES else None


def ownership_problem(topic: str, envelope: Envelope, producers: Collection[str]) -> str | None:
    """Why `envelope` may not arrive on `topic`, or None when it may."""
    owner = topic.removeprefix(INGRESS_PREFIX)
    if envelope.source != f"urn:no:justice:{owner}":
        return f"{topic} belongs to {owner}; ce_source {envelope.source} may not publish there"
    if owner not in producers:
        allowed = ", ".join(sorted(producers)) or "nobody"
        return f"{owner} may not publish {envelope.event_type} (producers: {allowed})"
    return None
