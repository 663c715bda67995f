"""Operators' actions on dead letters: the record operations write, and what the hub makes of it."""

from __future__ import annotations

import hashlib

import orjson
import pytest

from hub.app import build_processor
from hub.ops.dlq import DeadLetter, redrive_record
from hub.ops.operator_actions import OperatorAction, operator_action_record
from hub.pipeline.audit import AuditDraft
from hub.pipeline.operator import OPERATOR, operator_action
from hub.pipeline.outcomes import OperatorActed, Rejected, Rejection
from hub.pipeline.records import IngressRecord, OutgoingRecord
from hub.pipeline.state import PartitionState

CASE = "12345678"


def letter(position: str = "2/7", key: bytes | None = CASE.encode()) -> DeadLetter:
    return DeadLetter(
        position=position,
        timestamp_ms=1_000,
        reason="SCHEMA_INVALID",
        message="leave.granted v1: 'to' is a required property",
        path="/window",
        action_by="SENDER_TECHNICAL",
        event_id="e-1",
        source="urn:no:justice:koda",
        type="no.justice.leave.granted",
        case_id=CASE,
        original_topic="ingress.koda",
        original_position="ingress.koda/2/40",
        original_key=key,
        original_headers=(("ce_id", b"e-1"), ("ce_type", b"no.justice.leave.granted")),
        original_value=b'{"caseId": "12345678"}',
    )


def consumed(record: OutgoingRecord, offset: int = 0, at_ms: int = 0) -> IngressRecord:
    return IngressRecord(record.topic, 2, offset, record.key, record.value, record.headers, at_ms)


def test_an_action_record_goes_where_a_redrive_of_the_same_letter_goes() -> None:
    dead = letter()
    action = operator_action_record(dead, OperatorAction.LOCK, "op-1", now_ms=5)
    redrive = redrive_record(dead, "op-1")

    assert (
        (action.topic, action.key) == (redrive.topic, redrive.key) == ("hub.redrive", b"12345678")
    )
    assert dict(action.headers) == {
        "hub_operator_action": b"LOCK",
        "hub_redrive_of": b"hub.dlq/2/7",
        "hub_redrive_by": b"op-1",
    }
    assert orjson.loads(action.value or b"") == {
        "action": "LOCK",
        "operator": "op-1",
        "target": "hub.dlq/2/7",
        "caseId": CASE,
        "note": None,
        "field": None,
        "atMs": 5,
    }


def test_the_hub_reads_back_what_operations_wrote() -> None:
    record = operator_action_record(letter(), OperatorAction.REVEAL, "auditor-1", field="/ssn")

    acted = operator_action(consumed(record))

    assert acted == OperatorActed(
        OperatorAction.REVEAL, "auditor-1", "hub.dlq/2/7", CASE, field="/ssn", at_ms=acted.at_ms
    )


def _edited(**changes: object) -> IngressRecord:
    record = consumed(operator_action_record(letter(), OperatorAction.CLOSE, "op-1", note="n"))
    value = {**orjson.loads(record.value or b""), **changes}
    return IngressRecord(record.topic, 2, 0, record.key, orjson.dumps(value), record.headers)


@pytest.mark.parametrize(
    ("record", "path"),
    [
        (_edited(action="DELETE"), "/action"),  # the value disagrees with the header
        (_edited(operator=""), "/operator"),
        (_edited(operator=None), "/operator"),
        (_edited(target="hub.audit/0/1"), "/target"),
        (_edited(note=None), "/note"),  # a close needs a note
        (_edited(field="ssn"), "/field"),  # not a JSON pointer
        (
            IngressRecord("hub.redrive", 0, 0, None, b"[1]", (("hub_operator_action", b"LOCK"),)),
            None,
        ),
        (IngressRecord("hub.redrive", 0, 0, None, b"{", (("hub_operator_action", b"LOCK"),)), None),
        (
            IngressRecord("hub.redrive", 0, 0, None, b"{}", (("hub_operator_action", b"NAP"),)),
            "/action",
        ),
    ],
)
def test_a_malformed_action_is_an_invalid_envelope_naming_the_field(
    record: IngressRecord, path: str | None
) -> None:
    problem = operator_action(record)

    assert isinstance(problem, Rejection)
    assert (problem.reason, problem.path) == ("ENVELOPE_INVALID", path)
    assert problem.message.startswith("operator action record: ")


def test_the_hub_audits_an_action_and_writes_nothing_else() -> None:
    processor = build_processor()
    note = "spoke to caseworker Kari Nordmann"  # synthetic; a note may name people
    record = operator_action_record(letter(), OperatorAction.CLOSE, "op-1", note=note)
    state = PartitionState(2)

    out = processor.handle(consumed(record, offset=9), state, 100)

    [draft] = out
    assert isinstance(draft, AuditDraft)
    sealed = draft.seal(lambda _: (0, 0))
    body = orjson.loads(sealed.value or b"")
    assert body["action"] == OPERATOR
    assert {k: body[k] for k in ("operatorAction", "operator", "target", "caseId", "field")} == {
        "operatorAction": "CLOSE",
        "operator": "op-1",
        "target": "hub.dlq/2/7",
        "caseId": CASE,
        "field": None,
    }
    assert body["noteDigest"] == hashlib.sha256(note.encode()).hexdigest()
    assert body["ingress"] == "hub.redrive/2/9"
    assert b"Nordmann" not in (sealed.value or b"")
    assert (sealed.key, sealed.partition) == (CASE.encode(), 2)


def test_the_hub_rejects_a_malformed_action_to_the_dlq_without_a_receipt() -> None:
    processor = build_processor()
    record = _edited(operator=None)

    outcome = processor.pipeline.decide(record, PartitionState(2), 100)
    out = processor.handle(record, PartitionState(2), 100)

    assert isinstance(outcome, Rejected)
    assert [o.topic for o in out if isinstance(o, OutgoingRecord)] == ["hub.dlq"]
    [draft] = [o for o in out if isinstance(o, AuditDraft)]
    assert (draft.action, draft.fields["reason"], draft.fields["receipts"]) == (
        "REJECT",
        "ENVELOPE_INVALID",
        [],
    )


def test_an_ordinary_event_with_the_header_is_not_taken_for_an_action() -> None:
    processor = build_processor()
    record = operator_action_record(letter(), OperatorAction.LOCK, "op-1")
    on_ingress = IngressRecord("ingress.koda", 2, 0, record.key, record.value, record.headers)

    outcome = processor.pipeline.decide(on_ingress, PartitionState(2), 100)

    assert isinstance(outcome, Rejected)  # judged as an event: it has no envelope
    assert outcome.rejection.reason == "ENVELOPE_INVALID"
    assert not outcome.rejection.message.startswith("operator action record")
