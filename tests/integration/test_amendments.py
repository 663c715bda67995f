"""Retractions and corrections reach exactly those who got the original, on the real broker."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
import pytest

from hub.catalogue.catalogue import default_schemas_dir, load_catalogue
from hub.kafka.io import ConsumedRecord, read_topic
from hub.kafka.service import HubService
from hub.kafka.topology import AGENCIES
from hub.ops.replay import ReplayQuery, replay
from hub.pipeline.route import Routes, default_routes_path, load_routes
from hub.settings import KafkaSettings
from tests.events import (
    Event,
    case_registered,
    correction,
    example,
    judgment_final,
    koda_event,
    new_case_id,
    notification_requested,
    retraction,
)
from tests.kafka_io import RECEIPT_TYPE as RECEIPT
from tests.kafka_io import collect, register_case, send

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def routes() -> Routes:
    return load_routes(default_routes_path(), load_catalogue(default_schemas_dir()))


def received(kafka: KafkaSettings, case_id: str, ce_type: str) -> dict[str, list[dict[str, Any]]]:
    """What each agency has received of `ce_type` for the case, now."""
    wanted = f"no.justice.{ce_type}".encode()
    return {
        agency: [
            orjson.loads(r.value or b"")
            for r in read_topic(kafka, f"egress.{agency}", keys={case_id.encode()})
            if r.header("ce_type") == wanted
        ]
        for agency in AGENCIES
    }


def answered(kafka: KafkaSettings, agency: str, event: Event) -> dict[str, Any]:
    """The hub's final receipt for `event` (its deliveries are committed with it)."""

    def final(found: list[ConsumedRecord]) -> list[dict[str, Any]]:
        receipts = (orjson.loads(r.value or b"") for r in found)
        return [
            r
            for r in receipts
            if r["eventId"] == event.event_id and r["status"] in ("ACCEPTED", "REJECTED")
        ]

    records = read_topic(
        kafka,
        f"egress.{agency}",
        keys={event.key},
        done=lambda found: bool(final([r for r in found if r.header("ce_type") == RECEIPT])),
    )
    [receipt] = final([r for r in records if r.header("ce_type") == RECEIPT])
    return receipt


def receipt_statuses(kafka: KafkaSettings, agency: str, case_id: str, n: int) -> list[str]:
    records = collect(kafka, f"egress.{agency}", {case_id.encode()}, n, receipts=True)
    return [orjson.loads(r.value or b"")["status"] for r in records]


def rejections(kafka: KafkaSettings, agency: str, case_id: str, n: int) -> list[dict[str, Any]]:
    records = collect(kafka, f"egress.{agency}", {case_id.encode()}, n, receipts=True)
    found = [orjson.loads(r.value or b"") for r in records]
    return [r for r in found if r["status"] == "REJECTED"]


def _leave_granted(case_id: str) -> Event:
    return koda_event("leave.granted", "ordinary-with-reporting-duty", case_id)


# Every type that can be retracted: its owner and the original to retract.
RETRACTABLE: dict[str, tuple[str, Callable[[str], Event]]] = {
    "case.registered": ("police", case_registered),
    "judgment.final": ("courts", judgment_final),
    "leave.granted": ("koda", _leave_granted),
}


@pytest.mark.parametrize("type_name", sorted(RETRACTABLE))
def test_a_retraction_reaches_exactly_the_recipients_of_the_original(
    hub: HubService, topics: KafkaSettings, routes: Routes, type_name: str
) -> None:
    agency, build = RETRACTABLE[type_name]
    case_id = new_case_id()
    original = build(case_id)
    case_first = [] if type_name == "case.registered" else [case_registered(case_id)]
    withdrawn = retraction(original, type_name, agency, case_id)
    send(topics, [*case_first, original, withdrawn])
    assert answered(topics, agency, withdrawn)["status"] == "ACCEPTED"

    got_original = received(topics, case_id, type_name)
    got_retraction = received(topics, case_id, f"{type_name}.retracted")

    recipients = {r.agency for r in routes.route_for(type_name).recipients}
    assert {a for a, found in got_original.items() if found} == recipients
    assert {a for a, found in got_retraction.items() if found} == recipients
    for found in got_retraction.values():
        assert [r["retractsEventId"] for r in found] in ([], [original.event_id])


def test_only_the_sender_of_the_original_may_retract_it(
    hub: HubService, topics: KafkaSettings
) -> None:
    case_id = new_case_id()
    register_case(topics, case_id)
    judgment = judgment_final(case_id)
    # courts own judgment.final, so police may not send its retraction at all
    withdrawal = retraction(judgment, "judgment.final", "police", case_id)
    send(topics, [judgment, withdrawal])

    refused = answered(topics, "police", withdrawal)
    answered(topics, "courts", judgment)

    assert refused["reason"] == "UNAUTHORIZED_SOURCE"
    assert received(topics, case_id, "judgment.final.retracted") == {a: [] for a in AGENCIES}


def test_retracting_an_unknown_event_is_refused_as_reference_not_found(
    hub: HubService, topics: KafkaSettings
) -> None:
    case_id = new_case_id()
    register_case(topics, case_id)
    never_sent = judgment_final(case_id)
    send(topics, [retraction(never_sent, "judgment.final", "courts", case_id)])

    [refused] = rejections(topics, "courts", case_id, 1)

    assert (refused["reason"], refused["actionBy"]) == ("REFERENCE_NOT_FOUND", "SENDER_DATA")


def test_a_retracted_event_cannot_be_retracted_or_corrected_again(
    hub: HubService, topics: KafkaSettings
) -> None:
    case_id = new_case_id()
    register_case(topics, case_id)
    judgment = judgment_final(case_id)
    corrected = {**orjson.loads(judgment.value)}
    send(
        topics,
        [
            judgment,
            retraction(judgment, "judgment.final", "courts", case_id),
            retraction(judgment, "judgment.final", "courts", case_id),
            correction(judgment, "judgment.final", "courts", corrected),
        ],
    )

    statuses = receipt_statuses(topics, "courts", case_id, 4)

    assert statuses == ["ACCEPTED", "ACCEPTED", "REJECTED", "REJECTED"]


def test_a_correction_is_projected_as_the_original_was_and_updates_the_registry(
    hub: HubService, topics: KafkaSettings
) -> None:
    case_id = new_case_id()
    registered = case_registered(case_id)
    new_facts = example("case.registered", 2, "domestic-abuse-and-threats", case_id)
    renamed = {"givenName": "Kari", "familyName": "Nordmann"}
    new_facts["suspect"] = {**new_facts["suspect"], "name": renamed}
    corrected = correction(registered, "case.registered", "police", new_facts)
    judgment = judgment_final(case_id)
    send(topics, [registered, corrected])
    answered(topics, "police", corrected)
    send(topics, [judgment])
    answered(topics, "courts", judgment)

    [to_courts] = received(topics, case_id, "case.registered.corrected")["courts"]
    [to_koda] = received(topics, case_id, "judgment.final")["koda"]

    [original_to_courts] = received(topics, case_id, "case.registered")["courts"]
    assert set(to_courts["data"]) == set(original_to_courts)  # the same projection
    assert to_courts["correctsEventId"] == registered.event_id
    assert to_koda["convictedPerson"]["name"] == renamed


def test_a_correction_whose_payload_is_invalid_is_refused(
    hub: HubService, topics: KafkaSettings
) -> None:
    case_id = new_case_id()
    registered = case_registered(case_id)
    broken = {**example("case.registered", 2, "domestic-abuse-and-threats", case_id)}
    broken["registeredAt"] = "today"
    send(topics, [registered, correction(registered, "case.registered", "police", broken)])

    [refused] = rejections(topics, "police", case_id, 2)

    assert refused["reason"] == "SCHEMA_INVALID"
    assert refused["message"].startswith("data is not a valid case.registered v2")


def test_a_victim_told_of_a_retracted_leave_gets_a_follow_up_saying_it_was_wrong(
    hub: HubService, topics: KafkaSettings
) -> None:
    case_id = new_case_id()
    register_case(topics, case_id)
    consent = notification_requested(case_id, "V001", ["LEAVE"])
    send(topics, [consent])
    answered(topics, "police", consent)
    leave = _leave_granted(case_id)
    withdrawn = retraction(leave, "leave.granted", "koda", case_id)
    send(topics, [leave, withdrawn])
    answered(topics, "koda", withdrawn)

    alerts = received(topics, case_id, "victim.alert")

    first, follow_up = alerts["police"]
    assert first["kind"] == "LEAVE_GRANTED"
    assert follow_up["kind"] == "CORRECTION_OF_EARLIER_ALERT"
    assert follow_up["correctsAlertId"] == first["alertId"]
    assert follow_up["trigger"]["eventId"] == withdrawn.event_id
    assert alerts["courts"] == alerts["koda"] == []


def test_a_retracted_case_leaves_the_registry_so_later_events_wait_for_it(
    hub: HubService, topics: KafkaSettings
) -> None:
    case_id = new_case_id()
    registered = register_case(topics, case_id)
    withdrawn = retraction(registered, "case.registered", "police", case_id)
    send(topics, [withdrawn])
    answered(topics, "police", withdrawn)
    judgment = judgment_final(case_id)
    send(topics, [judgment])

    receipts = collect(topics, "egress.courts", {case_id.encode()}, 1, receipts=True)

    assert orjson.loads(receipts[0].value or b"")["status"] == "PENDING"


def test_replaying_the_case_shows_the_original_its_correction_and_its_retraction_in_order(
    hub: HubService, topics: KafkaSettings
) -> None:
    case_id = new_case_id()
    register_case(topics, case_id)
    judgment = judgment_final(case_id)
    corrected = correction(judgment, "judgment.final", "courts", orjson.loads(judgment.value))
    withdrawn = retraction(judgment, "judgment.final", "courts", case_id)
    send(topics, [judgment, corrected, withdrawn])
    answered(topics, "courts", withdrawn)

    replayed = replay(topics, ReplayQuery(case_id=case_id))

    courts = [r for r in replayed if r.topic == "ingress.courts"]
    assert [r.header("ce_id") for r in courts] == [
        e.event_id.encode() for e in (judgment, corrected, withdrawn)
    ]
    assert [r.header("ce_type") for r in courts] == [
        b"no.justice.judgment.final",
        b"no.justice.judgment.final.corrected",
        b"no.justice.judgment.final.retracted",
    ]
