"""Kafka records as plain values: what the edge reads and what the core asks it to write."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from hub.kafka.topology import REDRIVE

Headers = tuple[tuple[str, bytes | None], ...]

# Headers operations add when they re-drive a dead letter through `hub.redrive`.
ORIGINAL_TOPIC_HEADER = "hub_original_topic"
REDRIVE_OF_HEADER = "hub_redrive_of"
REDRIVE_BY_HEADER = "hub_redrive_by"
# Set instead of re-driving: an operator's action on the dead letter (lock, close, ...),
# which the hub only audits (hub/pipeline/operator.py).
OPERATOR_ACTION_HEADER = "hub_operator_action"


class OperatorAction(enum.StrEnum):
    """What an operator can do to a dead letter besides re-driving it."""

    LOCK = "LOCK"
    UNLOCK = "UNLOCK"
    CLOSE = "CLOSE"
    REVEAL = "REVEAL"


def header(headers: Headers, name: str) -> str | None:
    """The first header called `name`, as text."""
    value = next((v for k, v in headers if k == name), None)
    return None if value is None else value.decode(errors="replace")


@dataclass(frozen=True, slots=True)
class IngressRecord:
    """One record consumed from Kafka: an `ingress.*` topic for the hub, any topic for tools."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Headers
    timestamp_ms: int = 0

    @property
    def size(self) -> int:
        """Bytes of key, headers and value: what the hub's size limit counts (every record
        the hub derives copies some of each, and must fit in one Kafka record)."""
        headers = sum(len(name) + len(value or b"") for name, value in self.headers)
        return len(self.key or b"") + len(self.value or b"") + headers

    @property
    def position(self) -> str:
        """`topic/partition/offset`: where an auditor finds the original."""
        return f"{self.topic}/{self.partition}/{self.offset}"

    def header(self, name: str) -> bytes | None:
        """The first header called `name`."""
        return next((value for key, value in self.headers if key == name), None)

    @property
    def is_redrive(self) -> bool:
        return self.topic == REDRIVE

    @property
    def origin_topic(self) -> str:
        """The ingress topic the event first came on (a re-driven one names it in a header)."""
        if self.is_redrive:
            return header(self.headers, ORIGINAL_TOPIC_HEADER) or self.topic
        return self.topic


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
