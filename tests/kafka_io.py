"""Writing events to and reading records from the test broker, as agencies would."""

from __future__ import annotations

import time
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Producer, TopicPartition

from hub.settings import KafkaSettings
from tests.events import Event


def send(kafka: KafkaSettings, events: Iterable[Event]) -> None:
    """Publish `events` in order, idempotently, and wait until all are acknowledged."""
    producer = Producer(
        {
            **kafka.librdkafka_options(),
            "enable.idempotence": True,
            "partitioner": "murmur2_random",
            "linger.ms": 5,
        }
    )
    for item in events:
        producer.produce(item.topic, item.value, item.key, headers=item.headers)
        producer.poll(0)
    assert producer.flush(30) == 0, "events were not acknowledged within 30 s"


@dataclass(frozen=True)
class Received:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: dict[str, bytes]


def collect(
    kafka: KafkaSettings,
    topic: str,
    keys: Collection[bytes],
    expected: int,
    *,
    timeout: float = 30.0,
    settle: float = 0.0,
) -> list[Received]:
    """Committed records of `topic` with one of `keys`, read from the start.

    Waits until `expected` arrived, then `settle` seconds more to catch extras
    (duplicates); returns whatever arrived when `timeout` runs out.
    """
    consumer = Consumer(
        {
            **kafka.librdkafka_options(),
            "group.id": "tests-reader",
            "enable.auto.commit": False,
            "isolation.level": "read_committed",
        }
    )
    partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
    found: list[Received] = []
    deadline = time.monotonic() + timeout
    settle_until: float | None = None
    try:
        while time.monotonic() < (settle_until or deadline):
            for message in consumer.consume(num_messages=1000, timeout=0.2):
                if message.error() is not None:
                    assert message.error().code() == KafkaError._PARTITION_EOF, message.error()
                    continue
                if message.key() in keys:
                    found.append(
                        Received(
                            message.topic(),
                            message.partition(),
                            message.offset(),
                            message.key(),
                            message.value(),
                            dict(message.headers() or ()),
                        )
                    )
            if len(found) >= expected and settle_until is None:
                settle_until = time.monotonic() + settle
    finally:
        consumer.close()
    return found
