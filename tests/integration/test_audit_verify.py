"""`hub audit verify` on a broker of its own: clean after real traffic, failing after a forgery."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from hub.kafka.admin import ensure_topics
from hub.kafka.io import publish, read_topic
from hub.kafka.topology import AUDIT, topology
from hub.pipeline.records import OutgoingRecord
from hub.settings import KafkaSettings
from tests.brokers import started_local_broker
from tests.e2e.conftest import run_hub
from tests.events import (
    case_registered,
    confirmation,
    judgment_final,
    koda_event,
    new_case_id,
    retraction,
)
from tests.integration.conftest import running_hub
from tests.kafka_io import collect, send

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def own_kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KafkaSettings]:
    """A broker nobody else writes to: a forged audit record must not disturb other tests."""
    with started_local_broker(tmp_path_factory.mktemp("audit-kafka")) as broker:
        settings = KafkaSettings(bootstrap=broker.settings.bootstrap)
        ensure_topics(settings, topology())
        yield settings


def _run_traffic(kafka: KafkaSettings) -> str:
    with running_hub(kafka):
        case_id = new_case_id()
        bad = koda_event("leave.started", "ordinary-leave", case_id)
        bad = type(bad)(bad.topic, bad.key, b"{broken", bad.headers, bad.event_id)
        registered = case_registered(case_id)
        judgment = judgment_final(case_id)
        send(kafka, [registered, registered, judgment])
        collect(kafka, "egress.koda", {case_id.encode()}, 1)
        send(kafka, [bad, koda_event("leave.started", "ordinary-leave", case_id)])
        send(kafka, [confirmation("koda", judgment, case_id)])
        send(kafka, [retraction(judgment, "judgment.final", "courts", case_id)])
        collect(kafka, AUDIT, {case_id.encode()}, 7)
        return case_id


def _verify(kafka: KafkaSettings) -> tuple[int, dict[str, object]]:
    result = run_hub("audit", "verify", "--json", env={"HUB_KAFKA_BOOTSTRAP": kafka.bootstrap})
    return result.returncode, json.loads(result.stdout)


def test_real_traffic_verifies_then_a_forged_record_fails_at_its_sequence(
    own_kafka: KafkaSettings, tmp_path: Path
) -> None:
    case_id = _run_traffic(own_kafka)

    code, report = _verify(own_kafka)
    assert code == 0, report["problems"]
    # accepted: the case, the judgment, the leave, koda's confirmation, the retraction
    assert (report["accepted"], report["rejected"], report["deduplicated"]) == (5, 1, 1)
    # deliveries 2 (judgment) + 1 (leave) + 2 (retraction), a dead letter, 7 receipts,
    # koda's DELIVERED
    assert report["deliveries_checked"] >= 14

    last = max(read_topic(own_kafka, AUDIT, keys={case_id.encode()}), key=lambda r: r.offset)
    body = orjson.loads(last.value or b"{}")
    forged = {
        **body,
        "sequence": body["sequence"] + 1,
        "previous": body["hash"],
        "action": "ACCEPT",
        "eventId": str(uuid.uuid4()),
    }  # hash copied, not recomputed
    publish(
        own_kafka, [OutgoingRecord(AUDIT, last.key, orjson.dumps(forged), partition=last.partition)]
    )

    code, report = _verify(own_kafka)
    assert code == 1
    chain = [p for p in report["problems"] if p["check"] == "chain"]  # type: ignore[union-attr]
    assert [(p["partition"], p["sequence"]) for p in chain] == [
        (last.partition, body["sequence"] + 1)
    ]
