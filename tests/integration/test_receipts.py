"""Receipts (kvittering): every event's sender learns what became of it, on the real broker."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from hub.kafka.service import HubService
from hub.settings import KafkaSettings
from tests.e2e.conftest import run_hub
from tests.events import (
    case_registered,
    confirmation,
    event,
    example,
    judgment_final,
    new_case_id,
    notification_requested,
)
from tests.kafka_io import collect, register_case, send

pytestmark = pytest.mark.integration


def receipts_for(
    kafka: KafkaSettings, agency: str, case_id: str, expected: int
) -> list[dict[str, Any]]:
    records = collect(kafka, f"egress.{agency}", {case_id.encode()}, expected, receipts=True)
    for record in records:
        assert record.header("ce_source") == b"urn:no:justice:hub"
        assert record.header("ce_dataschema") == b"urn:no:justice:schema:hub.receipt:1"
    return [orjson.loads(record.value or b"") for record in records]


def test_an_accepted_event_is_receipted_to_its_sender_with_its_recipients(
    hub: HubService, topics: KafkaSettings
) -> None:
    case_id = new_case_id()
    registered, judgment = register_case(topics, case_id), judgment_final(case_id)
    send(topics, [judgment])

    [to_police] = receipts_for(topics, "police", case_id, 1)
    [to_courts] = receipts_for(topics, "courts", case_id, 1)

    assert to_police["status"] == "ACCEPTED"
    assert (to_police["eventId"], to_police["recipients"]) == (registered.event_id, ["courts"])
    assert to_police["eventType"] == "no.justice.case.registered"
    assert (to_courts["eventId"], to_courts["recipients"]) == (
        judgment.event_id,
        ["koda", "police"],
    )


def test_a_rejected_event_is_receipted_with_its_reason_and_who_must_act(
    hub: HubService, topics: KafkaSettings
) -> None:
    case_id = new_case_id()
    broken = event(
        "case.registered",
        2,
        "police",
        example("case.registered", 2, "domestic-abuse-and-threats", case_id, registeredAt="today"),
    )
    send(topics, [broken])

    [receipt] = receipts_for(topics, "police", case_id, 1)

    assert receipt["status"] == "REJECTED"
    assert (receipt["reason"], receipt["actionBy"]) == ("SCHEMA_INVALID", "SENDER_TECHNICAL")
    assert "registeredAt" in receipt["message"] and "today" not in receipt["message"]


def test_an_unknown_victim_is_missing_data_at_the_sender(
    hub: HubService, topics: KafkaSettings
) -> None:
    case_id = new_case_id()
    send(topics, [case_registered(case_id), notification_requested(case_id, "V999", ["LEAVE"])])

    receipts = receipts_for(topics, "police", case_id, 2)

    rejected = [r for r in receipts if r["status"] == "REJECTED"]
    assert [(r["reason"], r["actionBy"]) for r in rejected] == [
        ("REFERENCE_NOT_FOUND", "SENDER_DATA")
    ]


def test_an_event_waiting_for_its_case_is_pending_then_accepted(
    hub: HubService, topics: KafkaSettings
) -> None:
    case_id = new_case_id()
    judgment = judgment_final(case_id)
    send(topics, [judgment])
    [pending] = receipts_for(topics, "courts", case_id, 1)
    send(topics, [case_registered(case_id)])

    receipts = receipts_for(topics, "courts", case_id, 2)

    assert pending["status"] == "PENDING"
    assert pending["missingReference"] == {
        "field": "/caseId",
        "awaitedType": "no.justice.case.registered",
    }
    assert [r["status"] for r in receipts] == ["PENDING", "ACCEPTED"]
    assert receipts[1]["recipients"] == ["koda", "police"]


def test_recipients_confirmations_reach_the_sender_as_delivered_or_failed(
    hub: HubService, topics: KafkaSettings
) -> None:
    case_id = new_case_id()
    registered, judgment = register_case(topics, case_id), judgment_final(case_id)
    send(topics, [judgment])
    receipts_for(topics, "courts", case_id, 1)
    send(
        topics,
        [
            confirmation("courts", registered, case_id),
            confirmation("koda", judgment, case_id, status="FAILED", reason="DATA_INCOMPLETE"),
            confirmation("police", judgment, case_id),
        ],
    )

    # police: its case accepted and delivered, its confirmation accepted
    to_police = receipts_for(topics, "police", case_id, 3)
    # courts: its judgment and its confirmation accepted, the judgment delivered and failed
    to_courts = receipts_for(topics, "courts", case_id, 4)

    delivered = [r for r in to_police if r["status"] == "DELIVERED"]
    assert [(r["eventId"], r["recipient"]) for r in delivered] == [(registered.event_id, "courts")]
    by_recipient = {r.get("recipient"): r for r in to_courts}
    assert by_recipient["police"]["status"] == "DELIVERED"
    failed = by_recipient["koda"]
    assert (failed["status"], failed["reason"], failed["actionBy"]) == (
        "FAILED_RECEIVER",
        "RECEIVER_FAILED",
        "SENDER_DATA",
    )


def test_a_confirmation_of_something_never_delivered_to_its_sender_is_rejected(
    hub: HubService, topics: KafkaSettings
) -> None:
    case_id = new_case_id()
    registered = case_registered(case_id)
    send(topics, [registered])
    send(topics, [confirmation("koda", registered, case_id)])  # it went to courts only

    [receipt] = [r for r in receipts_for(topics, "koda", case_id, 1)]

    assert (receipt["status"], receipt["reason"]) == ("REJECTED", "REFERENCE_NOT_FOUND")


def test_a_resent_event_gets_the_same_receipt_again(hub: HubService, topics: KafkaSettings) -> None:
    case_id = new_case_id()
    registered = case_registered(case_id)
    send(topics, [registered, registered])

    first, again = receipts_for(topics, "police", case_id, 2)

    assert first == {**again, "issuedAt": first["issuedAt"]}
    assert first["status"] == "ACCEPTED"


def test_hub_receipts_shows_each_events_state_per_recipient(
    hub: HubService, topics: KafkaSettings
) -> None:
    case_id = new_case_id()
    register_case(topics, case_id)
    judgment = judgment_final(case_id)
    send(topics, [judgment])
    receipts_for(topics, "courts", case_id, 1)
    send(topics, [confirmation("koda", judgment, case_id)])
    receipts_for(topics, "courts", case_id, 2)
    env = {"HUB_KAFKA_BOOTSTRAP": topics.bootstrap}

    by_case = run_hub("receipts", "--case", case_id, "--json", env=env)
    by_event = run_hub("receipts", judgment.event_id, "--json", env=env)
    for_people = run_hub("receipts", "--case", case_id, env=env)

    assert by_case.returncode == 0, by_case.stderr
    events = {e["eventType"]: e for e in orjson.loads(by_case.stdout)["events"]}
    state = events["no.justice.judgment.final"]
    assert state["status"] == "ACCEPTED"
    assert state["recipients"] == {
        "koda": {"state": "DELIVERED"},
        "police": {"state": "AWAITING_CONFIRMATION"},
    }
    assert orjson.loads(by_event.stdout)["events"] == [state]
    assert "AWAITING_CONFIRMATION" in for_people.stdout and for_people.returncode == 0


def test_hub_receipts_says_so_when_nothing_is_found(topics: KafkaSettings) -> None:
    env = {"HUB_KAFKA_BOOTSTRAP": topics.bootstrap}

    result = run_hub("receipts", "--case", new_case_id(), "--json", env=env)
    neither = run_hub("receipts", env=env)

    assert result.returncode == 1 and "no receipts for case" in result.stdout
    assert neither.returncode == 1 and "EVENT_ID or --case" in neither.stderr + neither.stdout
