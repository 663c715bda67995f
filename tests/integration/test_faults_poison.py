"""Poison events and oversize values in the middle of a flow, on the same cases.

Each bad event goes to `hub.dlq` once, with its reason; the good events around
it, on the same partitions and cases, are delivered once and in order: no
partition is stuck behind a bad record. (One bad event of every reject reason,
each followed by one good event, is in test_hub_pipeline.py::
test_each_bad_event_goes_to_the_dlq_with_its_reason_while_the_partition_flows.)
"""

from __future__ import annotations

import json

import pytest

from hub.kafka.service import HubService
from hub.pipeline.decode import DEFAULT_MAX_EVENT_BYTES
from hub.settings import KafkaSettings
from tests.events import Event, event, example
from tests.invariants import Traffic, assert_exactly_once_in_order, case_flow, delivered
from tests.kafka_io import collect

pytestmark = pytest.mark.integration


def _poison(case_id: str) -> dict[str, Event]:
    """A bad leave.started for `case_id` of each kind, by the reason the hub must give."""
    good = event("leave.started", 1, "koda", example("leave.started", 1, "ordinary-leave", case_id))
    wrong_type = example("leave.started", 1, "ordinary-leave", case_id, startedAt=20250725)
    huge = json.dumps({**json.loads(good.value), "padding": "x" * DEFAULT_MAX_EVENT_BYTES})
    return {
        "DECODE_ERROR": Event(
            good.topic, good.key, b'{"caseId": "' + b"\xff" * 8, good.headers, good.event_id
        ),
        "SCHEMA_INVALID": event("leave.started", 1, "koda", wrong_type),
        "OVERSIZE": Event(good.topic, good.key, huge.encode(), good.headers, good.event_id),
        "ENVELOPE_INVALID": Event(
            good.topic,
            good.key,
            good.value,
            [h for h in good.headers if h[0] != "ce_type"],
            good.event_id,
        ),
    }


def test_poison_and_oversize_in_mid_flow_go_to_the_dlq_and_the_flow_goes_on(
    hub: HubService, topics: KafkaSettings
) -> None:
    flow = case_flow(30, 20)  # 600 leaves to police
    cases = [e.key.decode() for e in flow.registrations]
    bad = {(case, reason): item for case in cases[:5] for reason, item in _poison(case).items()}
    events = flow.events()
    middle = len(events) // 2
    events[middle:middle] = bad.values()

    Traffic(topics, events, chunk=100).start().join()

    assert_exactly_once_in_order(delivered(topics, flow), flow)
    keys = {case.encode() for case in cases[:5]}
    dead = collect(topics, "hub.dlq", keys, len(bad), settle=1.0)
    # A dead letter is keyed by its case, even when the hub could not read the envelope.
    found = sorted(((r.key or b"").decode(), json.loads(r.value or b"{}")["reason"]) for r in dead)
    assert found == sorted(bad)
    letters = [json.loads(r.value or b"{}") for r in dead]
    assert all(d["message"] for d in letters)
