"""The receiving side every connector shares: dedupe, record, confirm, and never stall."""

from __future__ import annotations

import logging
import sqlite3
from datetime import datetime

import orjson
import pytest

from connectors.common.actions import Verb
from connectors.common.clock import OSLO, SimulatedClock
from connectors.common.inbox import CannotProcess, Handled, Inbox, Reaction, Reason, Received
from connectors.common.store import EventStore
from hub.settings import SigningSettings
from hub.signing import load_keyring
from tests.unit.connectors.paper import hub_headers

CASE = "12345678"
FAR_FUTURE = datetime(2100, 1, 1, tzinfo=OSLO)
POSITION = ("egress.koda", 3, 42)


def _headers(
    type_name: str = "judgment.final", version: int = 2, **kwargs: str
) -> list[tuple[str, bytes]]:
    source = kwargs.pop("source", "urn:no:justice:courts")
    headers = hub_headers(type_name, version, CASE, source, value=_value(), **kwargs)
    return [(name, value.encode()) for name, value in headers.items()]


def _value(**data: object) -> bytes:
    return orjson.dumps({"caseId": CASE, **data})


def _inbox(store: EventStore, clock: SimulatedClock, reactions: dict[str, Reaction]) -> Inbox:
    return Inbox(
        "koda", store, reactions, clock, keyring=load_keyring(SigningSettings.from_env().jwks_dir)
    )


def _confirmations(store: EventStore) -> list[dict[str, object]]:
    return [dict(e.data) for e in store.due(FAR_FUTURE) if e.type_name == "delivery.confirmed"]


def test_a_delivery_is_recorded_acted_on_and_confirmed_to_the_hub(clock: SimulatedClock) -> None:
    store = EventStore()
    seen: list[Received] = []

    def react(received: Received) -> Handled:
        seen.append(received)
        return Handled(note="ok")

    headers = _headers()
    verb = _inbox(store, clock, {"judgment.final": react}).take(headers, _value(), POSITION)

    assert verb is Verb.PROCESSED
    assert [(r.type_name, r.case_id) for r in seen] == [("judgment.final", CASE)]
    [row] = store.received()
    assert (row.type_name, row.status, row.data) == (
        "judgment.final",
        "PROCESSED",
        {"caseId": CASE},
    )
    event_id = dict(headers)["ce_id"].decode()
    [confirmation] = _confirmations(store)
    assert (confirmation["eventId"], confirmation["status"]) == (event_id, "PROCESSED")


def test_an_event_delivered_again_after_a_restart_is_acted_on_once(clock: SimulatedClock) -> None:
    store = EventStore()
    calls: list[str] = []
    inbox = _inbox(store, clock, {"judgment.final": lambda r: calls.append(r.case_id) or Handled()})
    headers = _headers()

    first = inbox.take(headers, _value(), POSITION)
    again = inbox.take(headers, _value(), POSITION)

    assert (first, again) == (Verb.PROCESSED, Verb.DUPLICATE)
    assert calls == [CASE]
    assert len(store.received()) == 1
    assert len(_confirmations(store)) == 1


def test_an_event_that_cannot_be_processed_is_recorded_failed_confirmed_failed_and_logged_by_id(
    clock: SimulatedClock, caplog: pytest.LogCaptureFixture
) -> None:
    store = EventStore()

    def refuse(received: Received) -> Handled:
        raise CannotProcess(Reason.DATA_INCOMPLETE, "no convictedPerson for Jonas Haugen")

    headers = _headers()
    with caplog.at_level(logging.DEBUG):
        verb = _inbox(store, clock, {"judgment.final": refuse}).take(headers, _value(), POSITION)

    assert verb is Verb.FAILED
    [row] = store.received()
    assert (row.status, row.reason) == ("FAILED", "DATA_INCOMPLETE")
    [confirmation] = _confirmations(store)
    assert (confirmation["status"], confirmation["reason"]) == ("FAILED", "DATA_INCOMPLETE")
    event_id = dict(headers)["ce_id"].decode()
    assert event_id in caplog.text and "DATA_INCOMPLETE" in caplog.text
    assert "Jonas" not in caplog.text  # the reason's text may name people: it stays in the store


def test_a_bug_in_a_reaction_undoes_its_writes_and_is_recorded_as_a_technical_error(
    clock: SimulatedClock,
) -> None:
    store = EventStore()
    store.db.execute("CREATE TABLE notes (text TEXT)")

    def half_done(received: Received) -> Handled:
        store.db.execute("INSERT INTO notes VALUES ('written before the bug')")
        raise KeyError("sentence")

    verb = _inbox(store, clock, {"judgment.final": half_done}).take(_headers(), _value(), POSITION)

    assert verb is Verb.FAILED
    assert store.db.execute("SELECT COUNT(*) FROM notes").fetchone() == (0,)
    assert store.received()[0].reason == Reason.RECEIVER_TECHNICAL_ERROR


class _BrokenStore(EventStore):
    """A store whose disk fails when the inbox row is written."""

    def record_received(self, *args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("disk I/O error")


def test_a_failing_store_escapes_so_that_the_record_is_read_again(clock: SimulatedClock) -> None:
    store = _BrokenStore()
    inbox = _inbox(store, clock, {"judgment.final": lambda r: Handled()})

    with pytest.raises(sqlite3.OperationalError):
        inbox.take(_headers(), _value(), POSITION)

    assert store.received() == []
    assert store.due(FAR_FUTURE) == []  # nothing planned survives the rolled-back transaction


def test_a_record_without_a_cloudevents_envelope_is_recorded_as_unreadable_and_skipped(
    clock: SimulatedClock,
) -> None:
    store = EventStore()
    headers = [(n, v) for n, v in _headers() if n != "ce_type"]

    verb = _inbox(store, clock, {}).take(headers, _value(), POSITION)

    assert verb is Verb.UNREADABLE
    row = store.db.execute(
        "SELECT topic, part, record_offset, attribute FROM unreadable"
    ).fetchone()
    assert row == ("egress.koda", 3, 42, "ce_type")


def test_an_event_type_without_a_reaction_is_stored_and_confirmed(clock: SimulatedClock) -> None:
    store = EventStore()

    verb = _inbox(store, clock, {}).take(_headers("remand.ordered", 1), _value(), POSITION)

    assert verb is Verb.PROCESSED
    assert [r.type_name for r in store.received()] == ["remand.ordered"]
    assert len(_confirmations(store)) == 1


def test_the_hubs_own_receipts_are_kept_and_never_confirmed(clock: SimulatedClock) -> None:
    store = EventStore()
    receipt = orjson.dumps(
        {
            "receiptId": "0c3b2a1d-4e5f-5a6b-8c7d-9e0f1a2b3c4d",
            "eventId": "5b1f0c7e-2d7a-4c55-9a36-2f0e7c1d9b10",
            "eventSource": "urn:no:justice:koda",
            "status": "ACCEPTED",
            "recipients": ["police"],
            "issuedAt": "2026-11-25T10:00:00+00:00",
        }
    )
    signed = hub_headers("hub.receipt", 1, CASE, value=receipt)
    headers = [(name, value.encode()) for name, value in signed.items()]

    verb = _inbox(store, clock, {}).take(headers, receipt, POSITION)

    assert verb is Verb.RECEIPTED
    assert _confirmations(store) == []
    assert store.received() == []  # a receipt is not a delivery
    assert store.receipt_statuses("5b1f0c7e-2d7a-4c55-9a36-2f0e7c1d9b10") == [("ACCEPTED", None)]
