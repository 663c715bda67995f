"""Operations follow a case (`hub trace`); auditors re-read events (`hub replay`)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from hub.kafka.service import HubService
from hub.ops.replay import ReplayQuery, replay
from hub.ops.trace import trace_case
from hub.settings import KafkaSettings
from tests.e2e.conftest import run_hub
from tests.events import Event, case_registered, judgment_final, koda_event, new_case_id
from tests.kafka_io import collect, send

pytestmark = pytest.mark.integration


def _case_through_the_chain(kafka: KafkaSettings) -> tuple[str, list[Event]]:
    case_id = new_case_id()
    # One agency after the other, as in life: Kafka orders events within a topic only.
    police_and_courts = [case_registered(case_id), judgment_final(case_id)]
    send(kafka, police_and_courts[:1])
    collect(kafka, "egress.courts", {case_id.encode()}, 1)
    send(kafka, police_and_courts[1:])
    collect(kafka, "egress.koda", {case_id.encode()}, 1)
    koda = [
        koda_event("leave.started", "ordinary-leave", case_id),
        koda_event("leave.ended", "returned-on-time", case_id),
    ]
    send(kafka, koda)
    collect(kafka, "egress.police", {case_id.encode()}, 3)
    return case_id, police_and_courts + koda


def test_trace_shows_every_event_of_a_case_with_each_hop_and_its_timing(
    hub: HubService, topics: KafkaSettings
) -> None:
    case_id, sent = _case_through_the_chain(topics)

    events = trace_case(topics, case_id)

    assert [e["eventId"] for e in events] == [e.event_id for e in sent]
    hops = {e["type"]: sorted(h["to"] for h in e["hops"]) for e in events}
    assert hops == {
        "case.registered": ["courts"],
        "judgment.final": ["koda", "police"],
        "leave.started": ["police"],
        "leave.ended": ["police"],
    }
    for event in events:
        assert event["decidedAfterMs"] >= 0
        assert all(h["afterMs"] is not None and h["afterMs"] >= 0 for h in event["hops"])


def test_trace_command_prints_json_and_fails_clearly_for_an_unknown_case(
    hub: HubService, topics: KafkaSettings
) -> None:
    case_id, sent = _case_through_the_chain(topics)
    env = {"HUB_KAFKA_BOOTSTRAP": topics.bootstrap}

    traced = run_hub("trace", case_id, "--json", env=env)
    unknown = run_hub("trace", "99999999", env=env)

    assert traced.returncode == 0, traced.stderr
    assert len(json.loads(traced.stdout)["events"]) == len(sent)
    assert unknown.returncode == 1
    assert "no events of case 99999999" in unknown.stderr


def test_replaying_a_case_returns_exactly_its_events_in_order(
    hub: HubService, topics: KafkaSettings, tmp_path: Path
) -> None:
    case_id, sent = _case_through_the_chain(topics)
    out = tmp_path / "case.jsonl"

    result = run_hub(
        "replay",
        "--case",
        case_id,
        "--out",
        str(out),
        env={"HUB_KAFKA_BOOTSTRAP": topics.bootstrap},
    )

    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["headers"]["ce_id"] for line in lines] == [e.event_id for e in sent]
    assert lines[0]["data"]["caseId"] == case_id


def test_replaying_a_time_window_returns_exactly_the_events_in_it(topics: KafkaSettings) -> None:
    before = [case_registered(new_case_id()) for _ in range(3)]
    send(topics, before)
    time.sleep(0.01)  # distinct millisecond timestamps at the window's edges
    start_ms = int(time.time() * 1000)
    inside = [case_registered(new_case_id()) for _ in range(5)]
    send(topics, inside)
    end_ms = int(time.time() * 1000)
    time.sleep(0.01)
    send(topics, [case_registered(new_case_id())])

    replayed = replay(topics, ReplayQuery(start_ms, end_ms))

    assert sorted(r.header("ce_id") for r in replayed) == sorted(
        e.event_id.encode() for e in inside
    )


def test_replay_never_writes_to_an_ingress_or_egress_topic(topics: KafkaSettings) -> None:
    result = run_hub(
        "replay", "--to-topic", "egress.police", env={"HUB_KAFKA_BOOTSTRAP": topics.bootstrap}
    )

    assert result.returncode == 1
    assert "sandbox.* topics only" in result.stderr
