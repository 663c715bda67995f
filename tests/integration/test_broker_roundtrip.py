"""The session's broker is a real Kafka: records keep key, value and headers."""

from __future__ import annotations

import uuid

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from hub.settings import KafkaSettings

pytestmark = pytest.mark.integration


async def _create_topic(kafka: KafkaSettings, name: str, partitions: int = 3) -> None:
    admin = AIOKafkaAdminClient(**kafka.aiokafka_options())
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1)])
    finally:
        await admin.close()


async def test_a_record_round_trips_key_value_and_headers(kafka: KafkaSettings) -> None:
    topic = f"roundtrip-{uuid.uuid4().hex[:8]}"
    await _create_topic(kafka, topic)
    headers = [("ce_id", b"3f1c"), ("ce_type", b"no.justice.case.registered"), ("empty", b"")]
    producer = AIOKafkaProducer(**kafka.aiokafka_options(), acks="all", enable_idempotence=True)
    await producer.start()
    try:
        sent = await producer.send_and_wait(
            topic, key=b"12345678", value=b'{"caseId":"12345678"}', headers=headers
        )
    finally:
        await producer.stop()

    consumer = AIOKafkaConsumer(
        topic,
        **kafka.aiokafka_options(),
        group_id=f"roundtrip-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        isolation_level="read_committed",
    )
    await consumer.start()
    try:
        record = await consumer.getone()
    finally:
        await consumer.stop()

    assert (record.partition, record.offset) == (sent.partition, sent.offset)
    assert record.key == b"12345678"
    assert record.value == b'{"caseId":"12345678"}'
    assert list(record.headers) == headers


async def test_records_with_one_key_keep_their_order_on_one_partition(
    kafka: KafkaSettings,
) -> None:
    topic = f"ordering-{uuid.uuid4().hex[:8]}"
    await _create_topic(kafka, topic, partitions=6)
    producer = AIOKafkaProducer(**kafka.aiokafka_options(), acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for step in range(50):
            await producer.send(topic, key=b"87654321", value=str(step).encode())
        await producer.flush()
    finally:
        await producer.stop()

    consumer = AIOKafkaConsumer(
        topic, **kafka.aiokafka_options(), auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    try:
        received: list[int] = []
        partitions: set[int] = set()
        while len(received) < 50:
            batch = await consumer.getmany(timeout_ms=5000)
            assert batch, "no records arrived within 5 s"
            for tp, records in batch.items():
                partitions.add(tp.partition)
                received.extend(int(r.value) for r in records)
    finally:
        await consumer.stop()

    assert received == list(range(50))
    assert len(partitions) == 1
