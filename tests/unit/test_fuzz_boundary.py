"""Fuzzing the hub's boundary without a broker: thousands of spoiled and random records
through the whole per-event path (Pipeline.decide, then the records it writes).

Every input must end accepted (egress), parked, a duplicate, or in the DLQ with a
reason code and a message, and whatever it writes to hub.registry must restore
after a restart. Never an exception. HUB_FUZZ_EXAMPLES sets how many (default 3000).
"""

from __future__ import annotations

import itertools
import os
from collections import Counter

import orjson
import pytest
from hypothesis import given

from hub.app import build_processor
from hub.kafka.topology import DLQ, REGISTRY
from hub.pipeline.audit import AuditDraft, Output
from hub.pipeline.process import PartitionProcessor
from hub.pipeline.reasons import RejectReason
from hub.pipeline.records import IngressRecord, OutgoingRecord
from hub.pipeline.state import PartitionState
from tests.events import Event, koda_event, signed
from tests.fuzz_inputs import (
    FUZZ_CASE_IDS,
    FuzzRecord,
    fuzz_records,
    fuzz_settings,
    nested_json,
    seeds,
)

EXAMPLES = int(os.environ.get("HUB_FUZZ_EXAMPLES", "3000"))
NOW_MS = 1_764_000_000_000


@pytest.fixture(scope="module")
def processor() -> PartitionProcessor:
    return build_processor()


def _verdict(outputs: list[Output], position: str) -> str:
    """The audit action the hub recorded for the record at `position`."""
    actions = [
        o.action for o in outputs if isinstance(o, AuditDraft) and o.fields["ingress"] == position
    ]
    assert len(actions) == 1, f"{len(actions)} audit records for one input: {actions}"
    return actions[0]


def _dead_letter_reason(outputs: list[Output]) -> str:
    [letter] = [o for o in outputs if isinstance(o, OutgoingRecord) and o.topic == DLQ][:1]
    body = orjson.loads(letter.value or b"{}")
    assert body["reason"] in RejectReason.__members__, body["reason"]
    assert body["message"], "a dead letter without a message"
    return str(body["reason"])


def test_fuzzed_records_are_accepted_parked_or_dead_lettered_never_a_crash(
    processor: PartitionProcessor,
) -> None:
    state = PartitionState(0)
    offsets = itertools.count()
    for seed in seeds():  # the cases are registered, as on a hub that has run a while
        processor.handle(seed.as_ingress(0, next(offsets), NOW_MS), state, NOW_MS)
    tried: Counter[str] = Counter()

    @fuzz_settings(EXAMPLES)
    @given(fuzz_records())
    def one(record: FuzzRecord) -> None:
        ingress = record.as_ingress(0, next(offsets), NOW_MS)
        outputs = processor.handle(ingress, state, NOW_MS)
        verdict = _verdict(outputs, ingress.position)
        tried[verdict if verdict != "REJECT" else _dead_letter_reason(outputs)] += 1
        for draft in (o for o in outputs if isinstance(o, AuditDraft)):
            draft.seal(lambda _: (0, 0))  # the audit record serialises
        restarted = PartitionState(0)
        for written in (o for o in outputs if isinstance(o, OutgoingRecord)):
            if written.topic == REGISTRY and written.key is not None:
                restarted.restore(written.key, written.value)

    one()
    print(f"\nfuzz (unit): {sum(tried.values())} inputs: {dict(tried.most_common())}")
    assert sum(tried.values()) >= EXAMPLES * 0.9, "hypothesis ran fewer inputs than asked"
    assert tried["ACCEPT"] > 0, "no fuzz input got through: the mutations are too coarse"
    assert len(tried) >= 6, f"the fuzz reached too few outcomes: {sorted(tried)}"


@pytest.mark.parametrize("depth", [256, 600, 1000])
def test_a_value_nested_hundreds_deep_is_schema_invalid_not_a_crash(
    processor: PartitionProcessor, depth: int
) -> None:
    """Found by the fuzz: jsonschema-rs raised "Recursion limit reached" explaining such a
    value (600 bytes, within the size limit), so the hub crashed on it at every restart."""
    leave = koda_event("leave.started", "ordinary-leave", FUZZ_CASE_IDS[0])
    value = leave.value.replace(
        f'"{FUZZ_CASE_IDS[0]}"'.encode(), nested_json(depth), 1
    )  # the caseId field
    item = signed(Event(leave.topic, leave.key, value, leave.headers, leave.event_id))
    record = IngressRecord(item.topic, 0, 0, item.key, item.value, tuple(item.headers))

    outputs = processor.handle(record, PartitionState(0), NOW_MS)

    assert _verdict(outputs, record.position) == "REJECT"
    assert _dead_letter_reason(outputs) == "SCHEMA_INVALID"


def _handled(processor: PartitionProcessor, item: Event) -> tuple[list[Output], str]:
    record = IngressRecord(item.topic, 0, 7, item.key, item.value, tuple(item.headers))
    return processor.handle(record, PartitionState(0), NOW_MS), record.position


def test_an_oversize_record_becomes_a_dead_letter_that_points_at_it_instead_of_copying_it(
    processor: PartitionProcessor,
) -> None:
    """Found by the fuzz on the broker: a 1.5 MB value (the broker takes 2 MiB) made a dead
    letter too big for the hub's producer, which crashed the hub at every restart."""
    leave = koda_event("leave.started", "ordinary-leave", FUZZ_CASE_IDS[0])
    huge = signed(Event(leave.topic, leave.key, b" " * 1_500_000 + leave.value, leave.headers,
                        leave.event_id))  # fmt: skip

    outputs, position = _handled(processor, huge)

    [letter] = [o for o in outputs if isinstance(o, OutgoingRecord) and o.topic == DLQ]
    body = orjson.loads(letter.value or b"{}")
    assert body["reason"] == "OVERSIZE"
    assert len(letter.value or b"") < 64 * 1024
    assert "{topic}/{partition}/{offset}".format(**body["original"]) == position
    assert body["original"]["value"] is None


def test_headers_count_towards_the_size_limit(processor: PartitionProcessor) -> None:
    """Found by the fuzz: 12 extension headers of 100 KB each were accepted and copied to
    every egress record, over the hub producer's 1 MB record limit: a crash."""
    leave = koda_event("leave.started", "ordinary-leave", FUZZ_CASE_IDS[0])
    padded = [*leave.headers, *((f"ce_pad{i}", b"x" * 100_000) for i in range(12))]
    item = signed(Event(leave.topic, leave.key, leave.value, padded, leave.event_id))

    outputs, _ = _handled(processor, item)

    assert _dead_letter_reason(outputs) == "OVERSIZE"
