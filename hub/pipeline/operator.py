"""Operators' actions on dead letters: the hub audits them, and does nothing else.

Operations may not write `hub.audit` (each partition's chain has one writer,
the hub instance owning it), so the console and the CLI write an operator's
lock, unlock, close or reveal to `hub.redrive`, marked by the
`hub_operator_action` header and keyed like a re-drive of the same dead letter,
and the hub appends an OPERATOR record to the chain. `hub.redrive` is writable
by operations only, so the record is not signature-checked; a malformed one is
rejected like any bad record rather than stopping the hub.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from hub.pipeline.audit import digest
from hub.pipeline.outcomes import OperatorActed, Rejection
from hub.pipeline.reasons import RejectReason
from hub.pipeline.records import (
    OPERATOR_ACTION_HEADER,
    IngressRecord,
    OperatorAction,
    header,
)

OPERATOR = "OPERATOR"  # the audit action of an operator's action
_TARGET = re.compile(r"hub\.dlq/\d+/\d+")


def is_operator_action(record: IngressRecord) -> bool:
    """Only for records of `hub.redrive`: the one extra check on the hub's per-event path."""
    return record.is_redrive and record.header(OPERATOR_ACTION_HEADER) is not None


def _text(raw: dict[str, Any], name: str) -> str | None:
    value = raw.get(name)
    return value if isinstance(value, str) and value else None


def _json_object(value: bytes | None) -> dict[str, Any] | None:
    try:
        raw = orjson.loads(value or b"")
    except orjson.JSONDecodeError:
        return None
    return raw if isinstance(raw, dict) else None


def _problem(raw: dict[str, Any], named: str | None) -> tuple[str, str] | None:
    """The first thing wrong with an operator action record, and where."""
    known = named in OperatorAction.__members__ and raw.get("action") == named
    action = OperatorAction(named) if known and named is not None else None
    field = raw.get("field")
    pointer = isinstance(field, str) and (field == "" or field.startswith("/"))
    actions = ", ".join(OperatorAction)
    target = _text(raw, "target") or ""
    checks = (
        (action is None, f"unknown action, or header and value differ ({actions})", "/action"),
        (_text(raw, "operator") is None, "no operator", "/operator"),
        (
            not _TARGET.fullmatch(target),
            "the target must be hub.dlq/<partition>/<offset>",
            "/target",
        ),
        (
            action is OperatorAction.CLOSE and _text(raw, "note") is None,
            "a close needs a note",
            "/note",
        ),
        (field is not None and not pointer, "the field must be a JSON pointer", "/field"),
        (action is OperatorAction.REVEAL and field is None, "a reveal names its field", "/field"),
    )
    return next(((message, path) for failed, message, path in checks if failed), None)


def operator_action(record: IngressRecord) -> OperatorActed | Rejection:
    """The action a `hub.redrive` record with `hub_operator_action` states, or why it is
    malformed (ENVELOPE_INVALID; the message names the field, never a value)."""
    raw = _json_object(record.value)
    named = header(record.headers, OPERATOR_ACTION_HEADER)
    problem = ("the value is not a JSON object", None) if raw is None else _problem(raw, named)
    if problem is not None or raw is None:
        message, path = problem or ("", None)
        return Rejection(RejectReason.ENVELOPE_INVALID, f"operator action record: {message}", path)
    at_ms = raw.get("atMs")
    return OperatorActed(
        OperatorAction(raw["action"]),
        raw["operator"],
        raw["target"],
        case_id=_text(raw, "caseId"),
        field=raw.get("field"),
        note=_text(raw, "note"),
        at_ms=at_ms if isinstance(at_ms, int) else None,
    )


def audit_fields(acted: OperatorActed, record: IngressRecord) -> dict[str, Any]:
    """The OPERATOR audit record: who did what to which dead letter, and the record's
    position and digest as every audit record has; the note only as a digest."""
    return {
        "operatorAction": acted.action.value,
        "operator": acted.operator,
        "target": acted.target,
        "caseId": acted.case_id,
        "field": acted.field,
        "noteDigest": digest(acted.note.encode()) if acted.note is not None else None,
        "ingress": record.position,
        "digest": digest(record.value),
    }
