"""The hub's topics (DESIGN.md section 3): names, partitions and retention.

A producer's identity is the topic it may write to: each agency writes only its
own `ingress.*` topic and reads only its own `egress.*` topic. The message key
is the case id everywhere, so one case keeps its order end to end.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

AGENCIES = ("police", "courts", "koda")
DEFAULT_PARTITIONS = 6

DLQ = "hub.dlq"
AUDIT = "hub.audit"
REGISTRY = "hub.registry"
ALERTS = "hub.alerts"
REDRIVE = "hub.redrive"

_KEEP_FOREVER = MappingProxyType({"retention.ms": "-1"})  # auditors replay years of events
_COMPACTED = MappingProxyType({"cleanup.policy": "compact", "min.compaction.lag.ms": "60000"})


def ingress(agency: str) -> str:
    return f"ingress.{agency}"


def egress(agency: str) -> str:
    return f"egress.{agency}"


@dataclass(frozen=True, slots=True)
class TopicSpec:
    name: str
    partitions: int
    purpose: str
    config: Mapping[str, str] = field(default_factory=dict)


def topology(partitions: int = DEFAULT_PARTITIONS) -> tuple[TopicSpec, ...]:
    """Every topic the hub needs, in the order `hub topics init` creates them."""
    agencies = [
        spec
        for agency in AGENCIES
        for spec in (
            TopicSpec(
                ingress(agency), partitions, f"written by {agency}, read by the hub", _KEEP_FOREVER
            ),
            TopicSpec(
                egress(agency), partitions, f"written by the hub, read by {agency}", _KEEP_FOREVER
            ),
        )
    ]
    hub = [
        TopicSpec(DLQ, partitions, "every rejected event, for operations", _KEEP_FOREVER),
        TopicSpec(
            REDRIVE,
            partitions,
            "dead letters re-driven by operations, read by the hub",
            _KEEP_FOREVER,
        ),
        TopicSpec(
            AUDIT, partitions, "hash-chained audit records, one chain per partition", _KEEP_FOREVER
        ),
        TopicSpec(REGISTRY, partitions, "case registry and dedupe state (compacted)", _COMPACTED),
        TopicSpec(ALERTS, partitions, "victim alert states (compacted)", _COMPACTED),
    ]
    return (*agencies, *hub)
