"""Replay read rates: what an auditor's re-reading of years of events costs.

`hub_replay` times `hub replay` (hub.ops.replay) over every ingress topic from
the start. `batch_reader` is the bound of the client on the same topics: one
consumer, large fetches, nothing built per message. `project_reader` times
hub.kafka.io.read_topic, the tools' reader, on the hub's output topics; the
benchmark also counts lost and duplicated events from what it read.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Message, TopicPartition

from hub.kafka.clients import LOG
from hub.kafka.io import ConsumedRecord, read_topic
from hub.ops.replay import ReplayQuery, replay
from hub.settings import KafkaSettings


@dataclass(frozen=True, slots=True)
class Replay:
    records: int
    seconds: float

    @property
    def eps(self) -> float:
        return self.records / self.seconds if self.seconds > 0 else 0.0


def hub_replay(settings: KafkaSettings) -> Replay:
    """`hub replay` of every ingress topic from the start (no filter)."""
    started = time.perf_counter()
    records = replay(settings, ReplayQuery())
    return Replay(len(records), time.perf_counter() - started)


def project_reader(
    settings: KafkaSettings, topics: Sequence[str], timeout: float = 120
) -> tuple[Replay, dict[str, list[ConsumedRecord]]]:
    """Every committed record of `topics` with read_topic; the rate and the records."""
    started = time.perf_counter()
    found = {topic: read_topic(settings, topic, timeout=timeout) for topic in topics}
    seconds = time.perf_counter() - started
    return Replay(sum(map(len, found.values())), seconds), found


def batch_reader(settings: KafkaSettings, topics: Sequence[str], timeout: float = 120) -> Replay:
    """Every committed record of `topics` through one consumer, counted, not converted."""
    config: dict[str, Any] = {
        **settings.librdkafka_options(),
        "group.id": "hub-bench-replay",  # required by librdkafka; nothing is committed
        "enable.auto.commit": False,
        "isolation.level": "read_committed",
        "enable.partition.eof": True,
        "fetch.max.bytes": 64 * 1024 * 1024,
        "max.partition.fetch.bytes": 8 * 1024 * 1024,
        "logger": LOG,
    }
    started = time.perf_counter()
    consumer = Consumer(config)
    try:
        partitions = [
            TopicPartition(topic, p, OFFSET_BEGINNING)
            for topic in topics
            for p in consumer.list_topics(topic, timeout=10).topics[topic].partitions
        ]
        consumer.assign(partitions)
        records = _count_to_end(consumer, len(partitions), started + timeout)
    finally:
        consumer.close()
    return Replay(records, time.perf_counter() - started)


def _count_to_end(consumer: Consumer, partitions: int, deadline: float) -> int:
    records = 0
    at_end: set[tuple[str | None, int | None]] = set()
    while len(at_end) < partitions:
        if time.perf_counter() > deadline:
            raise TimeoutError(f"replay: {partitions - len(at_end)} partitions not read to the end")
        batch: list[Message] = consumer.consume(num_messages=10_000, timeout=0.2)
        for message in batch:
            error = message.error()
            if error is None:
                records += 1
            elif error.code() == KafkaError._PARTITION_EOF:
                at_end.add((message.topic(), message.partition()))
            else:
                raise RuntimeError(f"replay: {error.str()}")
    return records
