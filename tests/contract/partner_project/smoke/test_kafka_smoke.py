"""Smoke test against a real Kafka: what our builders make crosses a broker intact.

The broker is `HUB_KAFKA_BOOTSTRAP` when set, else Kafka in testcontainers
(CI runners have a Docker engine). The topics are the hub's own topology.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence

import orjson
import pytest
from lovisa_connector.contract_hooks import samples
from testcontainers.community.kafka import KafkaContainer

from hub.envelope import from_headers, new_envelope, to_headers
from hub.kafka.admin import ensure_topics
from hub.kafka.io import ConsumedRecord, publish, read_topic
from hub.kafka.topology import ingress, topology
from hub.pipeline.records import OutgoingRecord
from hub.settings import KafkaSettings

AGENCY = "courts"


@pytest.fixture(scope="session")
def kafka() -> Iterator[KafkaSettings]:
    given = os.environ.get("HUB_KAFKA_BOOTSTRAP")
    if given:
        yield KafkaSettings(bootstrap=given)
        return
    with KafkaContainer().with_kraft() as broker:
        yield KafkaSettings(bootstrap=broker.get_bootstrap_server())


def test_our_events_cross_a_real_broker_keyed_by_case_and_intact(kafka: KafkaSettings) -> None:
    ensure_topics(kafka, topology())
    sent = {}
    records = []
    for sample in samples():
        case_id = sample.data["caseId"]
        envelope = new_envelope(
            sample.type_name, sample.version, f"urn:no:justice:{AGENCY}", case_id
        )
        sent[envelope.id] = (envelope, sample.data)
        value = orjson.dumps(sample.data)
        records.append(
            OutgoingRecord(ingress(AGENCY), case_id.encode(), value, tuple(to_headers(envelope)))
        )
    publish(kafka, records)

    def arrived(found: Sequence[ConsumedRecord]) -> bool:
        return sent.keys() <= {from_headers(r.headers).id for r in found}

    keys = {record.key for record in records if record.key is not None}
    back = read_topic(kafka, ingress(AGENCY), keys=keys, done=arrived, timeout=60)

    ours = {from_headers(r.headers).id: r for r in back if from_headers(r.headers).id in sent}
    assert ours.keys() == sent.keys()
    for event_id, record in ours.items():
        envelope, data = sent[event_id]
        assert from_headers(record.headers) == envelope
        assert record.key == envelope.subject.encode()
        assert orjson.loads(record.value or b"null") == data
