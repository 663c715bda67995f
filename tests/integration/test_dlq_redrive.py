"""Operations re-drive a dead letter: unchanged it is refused again, fixed it is delivered."""

from __future__ import annotations

import json

import orjson
import pytest

from hub.kafka.io import ConsumedRecord, publish
from hub.kafka.service import HubService
from hub.ops.dlq import DeadLetter, dead_letters, redrive_record
from hub.settings import KafkaSettings, SigningSettings
from hub.signing import HUB_ORG, load_signer
from tests.events import Event, case_registered, event, example, new_case_id
from tests.kafka_io import collect, send

pytestmark = pytest.mark.integration


def _broken_leave(case_id: str) -> tuple[bytes, dict[str, object]]:
    """A leave.granted whose window lost its end, and the same leave fixed."""
    fixed = example("leave.granted", 1, "ordinary-with-reporting-duty", case_id)
    broken = {**fixed, "window": {"from": fixed["window"]["from"]}}
    return json.dumps(broken).encode(), fixed


def _letters(kafka: KafkaSettings, case_id: str, count: int) -> list[DeadLetter]:
    collect(kafka, "hub.dlq", {case_id.encode()}, count)
    return dead_letters(kafka, case_id=case_id)


def _audit(kafka: KafkaSettings, case_id: str, count: int) -> list[dict[str, object]]:
    records: list[ConsumedRecord] = collect(kafka, "hub.audit", {case_id.encode()}, count)
    return [orjson.loads(r.value or b"{}") for r in records]


def _dead_lettered_leave(kafka: KafkaSettings) -> tuple[str, Event, dict[str, object], DeadLetter]:
    """A registered case whose leave.granted KODA sent broken: in hub.dlq, and its fix."""
    case_id = new_case_id()
    broken, fixed = _broken_leave(case_id)
    leave = event("leave.granted", 1, "koda", fixed)
    send(kafka, [case_registered(case_id)])
    collect(kafka, "egress.courts", {case_id.encode()}, 1)
    send(kafka, [type(leave)(leave.topic, leave.key, broken, leave.headers, leave.event_id)])
    [letter] = _letters(kafka, case_id, 1)
    return case_id, leave, fixed, letter


def test_a_fixed_redrive_is_delivered_and_audited_as_redriven(
    hub: HubService, topics: KafkaSettings
) -> None:
    case_id, leave, fixed, letter = _dead_lettered_leave(topics)
    assert (letter.reason, letter.path) == ("SCHEMA_INVALID", "/window")

    hub_key = load_signer(SigningSettings.from_env().private_dir, HUB_ORG)
    publish(topics, [redrive_record(letter, "operator-1", json.dumps(fixed).encode(), hub_key)])

    [delivered] = collect(topics, "egress.police", {case_id.encode()}, 1)
    assert delivered.header("ce_id") == leave.event_id.encode()
    accepted = [a for a in _audit(topics, case_id, 3) if a.get("redriveOf")]
    assert [(a["action"], a["redriveOf"], a["redriveBy"]) for a in accepted] == [
        ("ACCEPT", f"hub.dlq/{letter.position}", "operator-1")
    ]


def test_an_unchanged_redrive_is_refused_again_for_the_same_reason(
    hub: HubService, topics: KafkaSettings
) -> None:
    case_id, _leave, _fixed, letter = _dead_lettered_leave(topics)

    publish(topics, [redrive_record(letter, "operator-2")])

    first, second = _letters(topics, case_id, 2)
    assert second.reason == first.reason == "SCHEMA_INVALID"
    assert second.original_topic == "ingress.koda"  # ownership is still checked against it
    assert second.original_position.startswith("hub.redrive/")


def test_a_redrive_cannot_launder_a_spoofed_source(hub: HubService, topics: KafkaSettings) -> None:
    case_id = new_case_id()
    spoofed = event(
        "case.registered",
        2,
        "police",
        json.loads(case_registered(case_id).value),
        source="urn:no:justice:courts",
    )
    send(topics, [spoofed])
    [letter] = _letters(topics, case_id, 1)
    assert letter.reason == "UNAUTHORIZED_SOURCE"

    publish(topics, [redrive_record(letter, "operator-3")])

    reasons = [d.reason for d in _letters(topics, case_id, 2)]
    assert reasons == ["UNAUTHORIZED_SOURCE", "UNAUTHORIZED_SOURCE"]


def test_a_fixed_value_not_signed_by_the_hub_is_refused_on_redrive(
    hub: HubService, topics: KafkaSettings
) -> None:
    case_id, _leave, fixed, letter = _dead_lettered_leave(topics)

    # Unsigned by the hub, the changed bytes no longer match koda's signature.
    publish(topics, [redrive_record(letter, "operator-4", json.dumps(fixed).encode())])

    reasons = [entry.reason for entry in _letters(topics, case_id, 2)]
    assert reasons == ["SCHEMA_INVALID", "SIGNATURE_INVALID"]
