"""The hub on the real broker: routes, projection, enrichment, parking, dedupe, rejects, alerts."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hub.kafka.io import ConsumedRecord
from hub.kafka.service import HubService
from hub.settings import KafkaSettings
from tests.events import (
    Event,
    case_registered,
    event,
    example,
    judgment_final,
    koda_event,
    new_case_id,
    notification_requested,
)
from tests.integration.conftest import TEST_PARK_TIMEOUT_MS
from tests.kafka_io import collect, send

pytestmark = pytest.mark.integration


def _data(record: ConsumedRecord) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(record.value or b"null")
    return loaded


def _dead_letters(kafka: KafkaSettings, case_id: str, expected: int = 1) -> list[dict[str, Any]]:
    return [_data(r) for r in collect(kafka, "hub.dlq", {case_id.encode()}, expected)]


def test_case_registered_reaches_courts_without_victims_contact_details(
    hub: HubService, topics: KafkaSettings
) -> None:
    case_id = new_case_id()
    send(topics, [case_registered(case_id)])

    [delivered] = collect(topics, "egress.courts", {case_id.encode()}, 1)

    data = _data(delivered)
    assert data["caseId"] == case_id
    assert data["suspect"]["name"]["familyName"] == "Haugen"
    assert all("contact" not in victim for victim in data["victims"])
    assert all("address" not in victim.get("person", {}) for victim in data["victims"])
    assert delivered.header("ce_type") == b"no.justice.case.registered"


def test_judgment_final_reaches_koda_enriched_with_the_person_police_registered(
    hub: HubService, topics: KafkaSettings
) -> None:
    case_id = new_case_id()
    send(topics, [case_registered(case_id), judgment_final(case_id)])

    [delivered] = collect(topics, "egress.koda", {case_id.encode()}, 1)

    data = _data(delivered)
    assert data["convictedPerson"]["name"]["familyName"] == "Haugen"
    assert data["sentence"]["kind"]
    assert "victims" not in data


def test_a_v1_judgment_is_delivered_as_the_canonical_v2(
    hub: HubService, topics: KafkaSettings
) -> None:
    case_id = new_case_id()
    v1 = example("judgment.final", 1, "domestic-abuse-unconditional-prison", case_id)
    send(topics, [case_registered(case_id), event("judgment.final", 1, "courts", v1)])

    [delivered] = collect(topics, "egress.koda", {case_id.encode()}, 1)

    assert delivered.header("ce_dataschema") == b"urn:no:justice:schema:judgment.final:2"
    assert _data(delivered)["sentence"]["kind"] == v1["sentenceKind"]


def test_an_event_for_an_unknown_case_is_parked_then_delivered_when_the_case_arrives(
    hub: HubService, topics: KafkaSettings
) -> None:
    case_id = new_case_id()
    send(topics, [judgment_final(case_id)])
    assert collect(topics, "egress.koda", {case_id.encode()}, 1, timeout=1.5) == []

    send(topics, [case_registered(case_id)])

    assert len(collect(topics, "egress.koda", {case_id.encode()}, 1)) == 1


def test_an_event_whose_case_never_arrives_is_rejected_after_the_bounded_wait(
    hub: HubService, topics: KafkaSettings
) -> None:
    case_id = new_case_id()
    send(topics, [judgment_final(case_id)])

    [dead] = _dead_letters(topics, case_id)

    assert dead["reason"] == "REFERENCE_NOT_FOUND"
    assert dead["actionBy"] == "SENDER_DATA"
    assert dead["rejectedAtMs"] - dead["original"]["timestampMs"] >= TEST_PARK_TIMEOUT_MS - 500


def test_a_resent_event_is_delivered_once(hub: HubService, topics: KafkaSettings) -> None:
    case_id = new_case_id()
    registered = case_registered(case_id)
    send(topics, [registered, registered, registered])

    delivered = collect(topics, "egress.courts", {case_id.encode()}, 1, settle=2.0)

    assert len(delivered) == 1


def test_events_of_one_case_arrive_in_the_order_they_were_sent(
    hub: HubService, topics: KafkaSettings
) -> None:
    case_id = new_case_id()
    names = ["ordinary-leave", "day-release", "escorted-leave"]
    started = [koda_event("leave.started", name, case_id) for name in names]
    send(topics, [case_registered(case_id), *started])

    delivered = collect(topics, "egress.police", {case_id.encode()}, len(started))

    assert [r.header("ce_id").decode() for r in delivered] == [e.event_id for e in started]


def _with_headers(item: Event, **replace: bytes | None) -> Event:
    headers = [(k, v) for k, v in item.headers if k not in replace]
    headers += [(k, v) for k, v in replace.items() if v is not None]
    return Event(item.topic, item.key, item.value, headers, item.event_id)  # type: ignore[arg-type]


def _bad_events(case_id: str) -> dict[str, Event]:
    good = case_registered(case_id)
    bad_digit = example("case.registered", 2, "domestic-abuse-and-threats", case_id)
    number = bad_digit["suspect"]["nationalIdentityNumber"]
    bad_digit["suspect"]["nationalIdentityNumber"] = number[:-1] + str((int(number[-1]) + 1) % 10)
    return {
        "DECODE_ERROR": Event(good.topic, good.key, b"{not json", good.headers, good.event_id),
        "ENVELOPE_INVALID": _with_headers(good, ce_id=None),
        "UNAUTHORIZED_SOURCE": event(
            "case.registered", 2, "police", json.loads(good.value), source="urn:no:justice:courts"
        ),
        "UNKNOWN_TYPE": _with_headers(
            good,
            ce_type=b"no.justice.case.invented",
            ce_dataschema=b"urn:no:justice:schema:case.invented:1",
        ),
        "UNSUPPORTED_VERSION": _with_headers(
            good, ce_dataschema=b"urn:no:justice:schema:case.registered:9"
        ),
        "SCHEMA_INVALID": event("case.registered", 2, "police", bad_digit),
        "OVERSIZE": Event(
            good.topic, good.key, b" " * 300_000 + good.value, good.headers, good.event_id
        ),
    }


@pytest.mark.parametrize("reason", list(_bad_events("00000000")))
def test_each_bad_event_goes_to_the_dlq_with_its_reason_while_the_partition_flows(
    hub: HubService, topics: KafkaSettings, reason: str
) -> None:
    case_id = new_case_id()
    follower = new_case_id()
    send(topics, [_bad_events(case_id)[reason], case_registered(follower)])

    [dead] = _dead_letters(topics, case_id)

    assert dead["reason"] == reason
    assert dead["message"]
    assert dead["original"]["topic"] == "ingress.police"
    assert len(collect(topics, "egress.courts", {follower.encode()}, 1)) == 1


def test_schema_invalid_names_the_json_path_and_never_the_value(
    hub: HubService, topics: KafkaSettings
) -> None:
    case_id = new_case_id()
    send(topics, [_bad_events(case_id)["SCHEMA_INVALID"]])

    [dead] = _dead_letters(topics, case_id)

    assert dead["path"] == "/suspect/nationalIdentityNumber"
    number = json.loads(_bad_events(case_id)["SCHEMA_INVALID"].value)["suspect"]
    assert number["nationalIdentityNumber"] not in dead["message"]


def _register_with_consent(kafka: KafkaSettings, case_id: str, events: list[str]) -> None:
    """Police register the case and V001's wish to be told, and the hub has processed both.

    Police and KODA write different topics, which Kafka does not order between
    them; in life a victim's request precedes a leave by weeks.
    """
    consent = notification_requested(case_id, "V001", events)
    send(kafka, [case_registered(case_id), consent])
    audited = collect(kafka, "hub.audit", {case_id.encode()}, 2)
    assert {json.loads(r.value or b"{}")["eventId"] for r in audited} >= {consent.event_id}


def test_escape_alerts_only_the_victims_who_asked_and_is_urgent(
    hub: HubService, topics: KafkaSettings
) -> None:
    case_id = new_case_id()
    _register_with_consent(topics, case_id, ["ESCAPE", "RELEASE"])
    send(topics, [koda_event("escape.reported", "closed-prison-high-risk", case_id)])

    records = collect(topics, "egress.police", {case_id.encode()}, 2, settle=1.0)

    alerts = [_data(r) for r in records if r.header("ce_type") == b"no.justice.victim.alert"]
    assert [(a["victimId"], a["kind"], a["urgency"]) for a in alerts] == [
        ("V001", "ESCAPE", "URGENT")
    ]
    assert alerts[0]["contact"] == {"phone": "+4791234567"}


def test_leave_alerts_nobody_when_no_victim_asked_for_leave(
    hub: HubService, topics: KafkaSettings
) -> None:
    case_id = new_case_id()
    _register_with_consent(topics, case_id, ["RELEASE"])
    send(topics, [koda_event("leave.granted", "ordinary-with-reporting-duty", case_id)])

    records = collect(topics, "egress.police", {case_id.encode()}, 1, settle=1.5)

    assert [r.header("ce_type") for r in records] == [b"no.justice.leave.granted"]


def test_the_envelope_of_a_delivery_keeps_the_senders_identity(
    hub: HubService, topics: KafkaSettings
) -> None:
    case_id = new_case_id()
    registered = case_registered(case_id)
    send(topics, [registered])

    [delivered] = collect(topics, "egress.courts", {case_id.encode()}, 1)

    sent = dict(registered.headers)
    for header in ("ce_id", "ce_source", "ce_type", "ce_subject"):
        assert delivered.header(header) == sent[header]
