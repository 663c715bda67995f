"""Kafka records as plain values: what the edge reads and what the core asks it to write."""

from __future__ import annotations

from dataclasses import dataclass

Headers = tuple[tuple[str, bytes | None], ...]


@dataclass(frozen=True, slots=True)
class IngressRecord:
    """One record consumed from an `ingress.*` topic."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Headers
    timestamp_ms: int = 0

    @property
    def position(self) -> str:
        """`topic/partition/offset`: where an auditor finds the original."""
        return f"{self.topic}/{self.partition}/{self.offset}"


@dataclass(frozen=True, slots=True)
class OutgoingRecord:
    """A record the edge must write in the current transaction.

    `partition` is set for the hub's own state topics (registry, audit), which
    follow the ingress partition; egress and DLQ records are placed by key.
    """

    topic: str
    key: bytes | None
    value: bytes | None
    headers: Headers = ()
    partition: int | None = None
