"""Fuzzing a running hub on the real broker: a batch of spoiled and random records.

Each record must be audited as accepted, parked, a duplicate or rejected (then
with a dead letter and its reason), and afterwards a sentinel case sent on every
ingress partition must come through: no crash, no stuck partition. The unit test
tests/unit/test_fuzz_boundary.py runs thousands more without a broker.
HUB_FUZZ_BROKER_EXAMPLES sets the batch size (default 300).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Sequence
from typing import Any

import pytest
from confluent_kafka import KafkaError, KafkaException, Message, Producer
from hypothesis import given

from hub.kafka.clients import LOG
from hub.kafka.io import ConsumedRecord, RecordWriter, read_topic
from hub.kafka.service import HubService
from hub.kafka.topology import AUDIT, DEFAULT_PARTITIONS, DLQ
from hub.pipeline.records import OutgoingRecord
from hub.settings import KafkaSettings
from tests.events import Event, case_registered, judgment_final, koda_event, new_case_id, signed
from tests.fuzz_inputs import FuzzRecord, fuzz_records, fuzz_settings, seeds
from tests.kafka_io import collect

pytestmark = pytest.mark.integration

EXAMPLES = int(os.environ.get("HUB_FUZZ_BROKER_EXAMPLES", "300"))
VERDICTS = {"ACCEPT", "REJECT", "DEDUPE", "PARK"}
BROKER_MAX_BYTES = 2 * 1024 * 1024  # the local broker's message.max.bytes


def _fuzz_batch(size: int) -> list[FuzzRecord]:
    """`size` records drawn by hypothesis from the same strategy as the unit test."""
    batch: list[FuzzRecord] = []

    @fuzz_settings(size)
    @given(fuzz_records())
    def draw(record: FuzzRecord) -> None:
        batch.append(record)

    draw()
    return batch


def _produce(kafka: KafkaSettings, batch: Sequence[FuzzRecord]) -> tuple[list[str], int]:
    """Write `batch` as it is: the positions (topic/partition/offset) the broker took, and
    how many records were over the broker's size limit (2 MiB), which never reach the hub."""
    positions: list[str] = []
    refused: list[str] = []

    def delivered(error: KafkaError | None, message: Message) -> None:
        if error is not None:
            refused.append(error.str())
        else:
            positions.append(f"{message.topic()}/{message.partition()}/{message.offset()}")

    options = {**kafka.librdkafka_options(), "message.max.bytes": BROKER_MAX_BYTES}
    producer = Producer({**options, "enable.idempotence": True, "logger": LOG})
    too_large = 0
    for record in batch:
        try:
            producer.produce(
                record.topic, record.value, record.key, headers=list(record.headers),
                on_delivery=delivered,
            )  # fmt: skip
        except KafkaException as error:
            assert error.args[0].code() == KafkaError.MSG_SIZE_TOO_LARGE, error
            too_large += 1
        producer.poll(0)
    assert producer.flush(60) == 0, "the broker did not take the fuzz batch"
    assert refused == [], f"the broker refused fuzz records: {Counter(refused)}"
    return positions, too_large


def _sentinels() -> list[tuple[Event, int]]:
    """On every partition p of every ingress topic, a valid case: police register it,
    KODA starts a leave, courts send the final judgment (all on partition p)."""
    events = []
    for partition in range(DEFAULT_PARTITIONS):
        case_id = new_case_id()
        for item in (
            case_registered(case_id),
            koda_event("leave.started", "ordinary-leave", case_id),
            judgment_final(case_id),
        ):
            events.append((signed(item), partition))
    return events


def _send_on_partitions(kafka: KafkaSettings, events: list[tuple[Event, int]]) -> None:
    RecordWriter(kafka).write(
        OutgoingRecord(e.topic, e.key, e.value, tuple(e.headers), partition)
        for e, partition in events
    )


def _audited(kafka: KafkaSettings, positions: set[str]) -> list[dict[str, Any]]:
    def covered(found: Sequence[ConsumedRecord]) -> bool:
        return positions <= {json.loads(r.value or b"{}").get("ingress") for r in found}

    found = read_topic(kafka, AUDIT, done=covered, timeout=120)
    audits = [json.loads(r.value or b"{}") for r in found]
    return [a for a in audits if a.get("ingress") in positions]


def test_a_fuzz_batch_through_the_hub_ends_audited_and_no_partition_is_stuck(
    hub: HubService, topics: KafkaSettings
) -> None:
    _produce(topics, seeds())  # the fuzz's cases registered, as on a hub that has run a while
    batch = _fuzz_batch(EXAMPLES)
    produced, too_large = _produce(topics, batch)
    positions = set(produced)
    sentinels = _sentinels()
    _send_on_partitions(topics, sentinels)

    audits = _audited(topics, positions)
    letters = {
        "{topic}/{partition}/{offset}".format(**letter["original"]): letter
        for letter in (json.loads(r.value or b"{}") for r in read_topic(topics, DLQ, timeout=60))
    }
    verdicts: Counter[str] = Counter()
    for audit in audits:
        assert audit["action"] in VERDICTS, audit["action"]
        verdicts[audit["action"] if audit["action"] != "REJECT" else audit["reason"]] += 1
    assert {a["ingress"] for a in audits} == positions, "fuzz records the hub never audited"
    for audit in (a for a in audits if a["action"] == "REJECT"):
        letter = letters[audit["ingress"]]
        assert letter["reason"] == audit["reason"] and letter["message"], letter

    registered = {e.key for e, _ in sentinels if e.topic == "ingress.police"}
    assert len(collect(topics, "egress.courts", registered, len(registered), timeout=60)) == len(
        registered
    ), "a sentinel case did not come through: a partition is stuck"
    to_koda = collect(topics, "egress.koda", registered, len(registered), timeout=60)
    assert {r.key for r in to_koda} == registered, "a courts partition is stuck"
    # Police get each sentinel case's judgment.final as well as its leave: wait for both.
    to_police = collect(topics, "egress.police", registered, 2 * len(registered), timeout=60)
    leaves = [r for r in to_police if r.header("ce_type") == b"no.justice.leave.started"]
    assert {r.key for r in leaves} == registered, "a KODA partition is stuck"
    print(
        f"\nfuzz (broker): {len(batch)} records, {too_large} over the broker's size limit, "
        f"{len(positions)} through the hub: {dict(verdicts.most_common())}"
    )
