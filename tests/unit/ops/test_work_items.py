"""The work list derived from hub.dlq, hub.redrive and hub.audit, without a broker."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import orjson

from hub.ops.dlq import DeadLetter, redrive_record
from hub.ops.operator_actions import OperatorAction, operator_action_record
from hub.ops.worklist import (
    LOCK_EXPIRES_AFTER_MS,
    Lock,
    WorkItem,
    WorkState,
    lock_problem,
    selected,
    work_items_from,
)
from hub.pipeline.records import IngressRecord, OutgoingRecord
from tests.unit.ops.test_operator_actions import letter

T0 = int(dt.datetime(2026, 11, 25, 22, 15, tzinfo=dt.UTC).timestamp() * 1000)  # a night shift
MINUTE = 60_000


class Log:
    """hub.redrive as operations write it: offsets in write order, one partition."""

    def __init__(self) -> None:
        self.records: list[IngressRecord] = []

    def add(self, record: OutgoingRecord, at_ms: int) -> str:
        offset = len(self.records)
        self.records.append(
            IngressRecord(record.topic, 2, offset, record.key, record.value, record.headers, at_ms)
        )
        return f"hub.redrive/2/{offset}"

    def act(
        self, dead: DeadLetter, action: OperatorAction, who: str, at_ms: int, **kw: Any
    ) -> None:
        self.add(operator_action_record(dead, action, who, now_ms=at_ms, **kw), at_ms)


def item_of(dead: DeadLetter, log: Log, audits: list[dict[str, Any]], now_ms: int) -> WorkItem:
    [item] = work_items_from([dead], log.records, audits, now_ms)
    return item


def test_an_untouched_dead_letter_is_open() -> None:
    item = item_of(letter(), Log(), [], T0)

    assert (item.state, item.lock, item.history, item.outcome) == (WorkState.OPEN, None, (), None)
    assert item.agency == "koda"
    assert lock_problem(item, "op-1", T0) is None


def test_a_lock_keeps_others_out_with_a_readable_refusal() -> None:
    dead, log = letter(), Log()
    log.act(dead, OperatorAction.LOCK, "op-1", T0)

    item = item_of(dead, log, [], T0 + MINUTE)

    assert (item.state, item.lock) == (WorkState.LOCKED, Lock("op-1", T0))
    assert lock_problem(item, "op-1", T0 + MINUTE) is None
    refusal = lock_problem(item, "op-2", T0 + MINUTE)
    assert refusal is not None and "locked by op-1 since 22:15 UTC" in refusal


def test_a_forgotten_lock_expires() -> None:
    dead, log = letter(), Log()
    log.act(dead, OperatorAction.LOCK, "op-1", T0)

    held = item_of(dead, log, [], T0 + LOCK_EXPIRES_AFTER_MS - 1)
    expired = item_of(dead, log, [], T0 + LOCK_EXPIRES_AFTER_MS)

    assert held.state is WorkState.LOCKED
    assert (expired.state, expired.lock) == (WorkState.OPEN, None)
    assert lock_problem(expired, "op-2", T0 + LOCK_EXPIRES_AFTER_MS) is None
    # a lock read earlier but checked later has expired by then too
    assert lock_problem(held, "op-2", T0 + LOCK_EXPIRES_AFTER_MS) is None


def test_another_operator_takes_over_only_after_expiry() -> None:
    dead, log = letter(), Log()
    log.act(dead, OperatorAction.LOCK, "op-1", T0)
    log.act(dead, OperatorAction.LOCK, "op-2", T0 + MINUTE)  # a race the CLI would refuse
    log.act(dead, OperatorAction.LOCK, "op-2", T0 + LOCK_EXPIRES_AFTER_MS)

    item = item_of(dead, log, [], T0 + LOCK_EXPIRES_AFTER_MS + MINUTE)

    assert item.lock == Lock("op-2", T0 + LOCK_EXPIRES_AFTER_MS)
    assert [(e.what, e.operator, e.detail) for e in item.history] == [
        ("LOCK", "op-1", None),
        ("LOCK", "op-2", "not taken: locked by op-1 since 22:15 UTC"),
        ("LOCK", "op-2", "took over the expired lock of op-1"),
    ]


def test_only_the_holder_unlocks() -> None:
    dead, log = letter(), Log()
    log.act(dead, OperatorAction.LOCK, "op-1", T0)
    log.act(dead, OperatorAction.UNLOCK, "op-2", T0 + 1)

    assert item_of(dead, log, [], T0 + 2).lock == Lock("op-1", T0)
    log.act(dead, OperatorAction.UNLOCK, "op-1", T0 + 3)
    item = item_of(dead, log, [], T0 + 4)

    assert (item.state, item.lock) == (WorkState.OPEN, None)
    assert [e.detail for e in item.history] == [None, "not theirs to unlock", None]


def test_a_closed_letter_is_done_and_its_note_stays_out_of_the_summary() -> None:
    dead, log = letter(), Log()
    note = "sender asked to drop it; caseworker Ola Nordmann"  # synthetic
    log.act(dead, OperatorAction.LOCK, "op-1", T0)
    log.act(dead, OperatorAction.CLOSE, "op-1", T0 + MINUTE, note=note)
    log.act(dead, OperatorAction.LOCK, "op-2", T0 + 2 * MINUTE)

    item = item_of(dead, log, [], T0 + 3 * MINUTE)

    assert (item.state, item.lock, item.done) == (WorkState.CLOSED, None, True)
    assert item.history[1].note == note
    assert item.history[2].detail == "not taken: closed"
    assert "Nordmann" not in orjson.dumps(item.summary()).decode()
    assert lock_problem(item, "op-2", T0) == "hub.dlq 2/7 was closed by op-1 at 22:16 UTC"


def test_a_reveal_is_history_and_changes_nothing() -> None:
    dead, log = letter(), Log()
    log.act(dead, OperatorAction.REVEAL, "auditor-1", T0, field="/victim/name")

    item = item_of(dead, log, [], T0)

    assert item.state is WorkState.OPEN
    assert [(e.what, e.operator, e.detail) for e in item.history] == [
        ("REVEAL", "auditor-1", "/victim/name")
    ]


def _decision(action: str, ingress: str, at_ms: int, **fields: Any) -> dict[str, Any]:
    """A re-drive decision as hub.audit holds it (one chain: sequence follows time)."""
    return {
        "action": action,
        "ingress": ingress,
        "redriveOf": "hub.dlq/2/7",
        "time_ms": at_ms,
        "sequence": at_ms - T0,
    } | fields


def test_a_redrive_ends_the_lock_and_waits_for_the_hub() -> None:
    dead, log = letter(), Log()
    log.act(dead, OperatorAction.LOCK, "op-1", T0)
    position = log.add(redrive_record(dead, "op-1", b'{"fixed": true}'), T0 + 1)

    waiting = item_of(dead, log, [], T0 + 2)
    parked = item_of(dead, log, [_decision("PARK", position, T0 + 3)], T0 + 4)

    assert (waiting.state, waiting.lock) == (WorkState.REDRIVEN, None)
    assert waiting.history[-1].detail == "a fixed value"
    assert parked.state is WorkState.REDRIVEN
    assert parked.history[-1].what == "PARK"
    refusal = lock_problem(waiting, "op-2", T0 + 2)
    assert refusal is not None and "has not decided" in refusal


def test_an_accepted_redrive_is_delivered_with_its_recipients_and_positions() -> None:
    dead, other, log = letter(), letter("4/1"), Log()
    position = log.add(redrive_record(dead, "op-1"), T0)
    other_position = log.add(redrive_record(other, "op-2"), T0)
    deliveries = [
        {
            "recipient": agency,
            "topic": f"egress.{agency}",
            "eventId": "e-1",
            "partition": p,
            "offset": o,
        }
        for agency, p, o in (("police", 3, 11), ("courts", 1, 5))
    ]
    audits = [
        _decision("PARK", position, T0 + 1),
        _decision("ACCEPT", position, T0 + 2, deliveries=deliveries),
        _decision("REJECT", other_position, T0 + 2, redriveOf="hub.dlq/4/1", reason="X"),
    ]

    item = item_of(dead, log, audits, T0 + 3)

    assert (item.state, item.done) == (WorkState.DELIVERED, True)
    assert item.outcome is not None
    assert (item.outcome.decision, item.outcome.redrive) == ("ACCEPT", position)
    assert item.outcome.recipients == ["courts", "police"]
    assert [d.position for d in item.outcome.deliveries] == [
        "egress.police/3/11",
        "egress.courts/1/5",
    ]
    assert [(e.what, e.detail) for e in item.history] == [
        ("REDRIVE", "unchanged"),
        ("PARK", "waiting for the case"),
        ("ACCEPT", "to courts, police"),
    ]


def test_a_redrive_rejected_again_names_the_new_dead_letter() -> None:
    dead, log = letter(), Log()
    position = log.add(redrive_record(dead, "op-1"), T0)
    dlq = {"topic": "hub.dlq", "partition": 2, "offset": 19}
    audits = [_decision("REJECT", position, T0 + 1, reason="SCHEMA_INVALID", dlq=dlq)]

    item = item_of(dead, log, audits, T0 + 2)

    assert item.state is WorkState.REJECTED_AGAIN
    assert item.outcome is not None
    assert (item.outcome.dead_letter, item.outcome.reason) == ("2/19", "SCHEMA_INVALID")
    assert item.history[-1].detail == "SCHEMA_INVALID: new dead letter hub.dlq/2/19"
    assert lock_problem(item, "op-1", T0) == (
        "hub.dlq 2/7 was re-driven and rejected again: work hub.dlq 2/19"
    )


def test_a_malformed_action_is_history_and_changes_nothing() -> None:
    dead, log = letter(), Log()
    record = operator_action_record(dead, OperatorAction.LOCK, "op-1")
    log.add(replace(record, value=b"{}"), T0)

    item = item_of(dead, log, [], T0)

    assert (item.state, item.history[0].what) == (WorkState.OPEN, "MALFORMED")


def test_the_list_shows_what_is_not_done_by_default_and_filters() -> None:
    log = Log()
    koda_open = replace(letter("0/1"), timestamp_ms=T0)
    police_old = replace(
        letter("0/2"), original_topic="ingress.police", timestamp_ms=T0 - 60 * MINUTE
    )
    closed = letter("0/3")
    log.act(closed, OperatorAction.CLOSE, "op-1", T0, note="duplicate of 0/1")
    items = work_items_from([koda_open, police_old, closed], log.records, [], T0)

    def positions(**filters: Any) -> list[str]:
        return [i.position for i in selected(items, T0, **filters)]

    assert positions() == ["0/1", "0/2"]
    assert positions(states=[WorkState.CLOSED]) == ["0/3"]
    assert positions(agency="police") == ["0/2"]
    assert positions(older_than_s=30 * 60) == ["0/2"]
    assert (
        positions(type_="leave.granted")
        == positions(type_="no.justice.leave.granted")
        == ["0/1", "0/2"]
    )
    assert positions(type_="judgment.final", reason="SCHEMA_INVALID") == []


def test_the_summary_has_ids_and_codes_but_no_payload() -> None:
    dead = replace(letter(), original_headers=(*letter().original_headers, ("ce_jws", b"sig")))
    log = Log()
    log.act(dead, OperatorAction.LOCK, "op-1", T0)

    summary = item_of(dead, log, [], T0).summary()

    assert orjson.loads(orjson.dumps(summary)) == summary
    assert summary["headers"] == {"ce_id": "e-1", "ce_type": "no.justice.leave.granted"}
    assert summary["lock"] == {"operator": "op-1", "sinceMs": T0, "expiresAtMs": T0 + 30 * MINUTE}
    assert (summary["state"], summary["agency"]) == ("LOCKED", "koda")
    assert '12345678"}' not in orjson.dumps(summary).decode()  # the original value
