"""The audit log: one hash-chained record per accept, delivery, reject, park and dedupe.

Each ingress partition number has its own chain in the same partition of
`hub.audit`: exactly one hub instance owns that partition at a time (Kafka
transactions fence the others), so each chain has one writer. A record holds
digests and identifiers, never personal data.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from hub.kafka.topology import AUDIT
from hub.pipeline.records import OutgoingRecord

GENESIS = "0" * 64


def digest(value: bytes | None) -> str | None:
    return None if value is None else hashlib.sha256(value).hexdigest()


def record_hash(previous: str, body: Mapping[str, Any]) -> str:
    """SHA-256 over the previous hash and the record's canonical JSON (sorted keys)."""
    canonical = orjson.dumps(body, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(previous.encode() + canonical).hexdigest()


@dataclass(slots=True)
class AuditChain:
    """The head of one partition's chain: the next sequence number and the last hash."""

    partition: int
    next_sequence: int = 0
    last_hash: str = GENESIS

    @classmethod
    def after(cls, partition: int, last_record: bytes | None) -> AuditChain:
        """The chain continuing after `last_record` (None: an empty partition)."""
        if last_record is None:
            return cls(partition)
        last = orjson.loads(last_record)
        return cls(partition, last["sequence"] + 1, last["hash"])

    def append(self, action: str, fields: Mapping[str, Any], time_ms: int) -> OutgoingRecord:
        body = {
            "sequence": self.next_sequence,
            "time_ms": time_ms,
            "action": action,
            **fields,
            "previous": self.last_hash,
        }
        this_hash = record_hash(self.last_hash, body)
        self.next_sequence += 1
        self.last_hash = this_hash
        key = str(fields.get("caseId") or "").encode() or None
        value = orjson.dumps({**body, "hash": this_hash})
        return OutgoingRecord(AUDIT, key, value, partition=self.partition)


Locate = Callable[[OutgoingRecord], tuple[int, int]]


@dataclass(slots=True)
class AuditDraft:
    """An audit record waiting for the partitions and offsets of the records it names.

    Egress and DLQ records get their offsets only when the broker has them; the
    edge writes them first, then seals each draft (in order) and writes the
    audit record in the same transaction.
    """

    chain: AuditChain
    action: str
    fields: dict[str, Any]
    time_ms: int
    # (the entry in `fields` that names the record, the record)
    names: list[tuple[dict[str, Any], OutgoingRecord]] = field(default_factory=list)

    def seal(self, locate: Locate) -> OutgoingRecord:
        for entry, record in self.names:
            entry["partition"], entry["offset"] = locate(record)
        return self.chain.append(self.action, self.fields, self.time_ms)


Output = OutgoingRecord | AuditDraft
