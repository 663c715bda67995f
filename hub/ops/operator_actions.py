"""Operators' actions on a dead letter (lock, unlock, close, reveal) as `hub.redrive` records.

Operations may not write `hub.audit` (one writer per chain: the hub instance
owning the partition), so each action goes to `hub.redrive` keyed like a
re-drive of the same dead letter, and the hub that owns its partition audits
it as an OPERATOR record (hub/pipeline/operator.py).
"""

from __future__ import annotations

import time

import orjson

from hub.kafka.topology import DLQ, REDRIVE
from hub.ops.dlq import DeadLetter, redrive_key
from hub.pipeline.records import (
    OPERATOR_ACTION_HEADER,
    REDRIVE_BY_HEADER,
    REDRIVE_OF_HEADER,
    OperatorAction,
    OutgoingRecord,
)

__all__ = ["OperatorAction", "operator_action_record"]


def operator_action_record(
    letter: DeadLetter,
    action: OperatorAction,
    operator: str,
    *,
    note: str | None = None,
    field: str | None = None,
    now_ms: int | None = None,
) -> OutgoingRecord:
    """The `hub.redrive` record stating that `operator` did `action` to `letter`.

    `note` (a close's reason) may hold personal data: the hub audits only its
    digest. `field` is a JSON pointer: a reveal names the path, never the value.
    """
    target = f"{DLQ}/{letter.position}"
    value = {
        "action": action.value,
        "operator": operator,
        "target": target,
        "caseId": letter.case_id,
        "note": note,
        "field": field,
        "atMs": int(time.time() * 1000) if now_ms is None else now_ms,
    }
    headers = (
        (OPERATOR_ACTION_HEADER, action.value.encode()),
        (REDRIVE_OF_HEADER, target.encode()),
        (REDRIVE_BY_HEADER, operator.encode()),
    )
    return OutgoingRecord(REDRIVE, redrive_key(letter), orjson.dumps(value), headers)
