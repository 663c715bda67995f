"""Plain publishing and reading for tools (demo, CLI, tests): not the hub's hot path."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any, cast

from confluent_kafka import (
    OFFSET_BEGINNING,
    OFFSET_END,
    Consumer,
    KafkaError,
    KafkaException,
    Message,
    Producer,
    TopicPartition,
)

from hub.kafka.clients import LOG
from hub.pipeline.records import Headers, IngressRecord, OutgoingRecord
from hub.settings import KafkaSettings


class KafkaUnreachableError(RuntimeError):
    """Kafka did not answer, or lacks a topic the command needs: a one-line error for people."""

    def __init__(self, bootstrap: str, problem: str) -> None:
        super().__init__(
            f"Kafka at {bootstrap}: {problem} (is it running? `hub broker status`; "
            "are the topics there? `hub topics init`)"
        )


class RecordWriter:
    """An idempotent producer kept for many writes, as a connector keeps one.

    Creating one costs about half a second (the broker assigns it a producer
    id before its first send), so long-lived users create it early and reuse it.
    """

    def __init__(self, settings: KafkaSettings) -> None:
        self.settings = settings
        config: dict[str, Any] = {
            **settings.librdkafka_options(),
            "enable.idempotence": True,
            "partitioner": "murmur2_random",
            "linger.ms": 5,
            "logger": LOG,
        }
        self._producer = Producer(config)

    def write(self, records: Iterable[OutgoingRecord], timeout: float = 30) -> None:
        """Write `records` in order and wait until the broker acknowledged all."""
        for record in records:
            partition = -1 if record.partition is None else record.partition
            self._producer.produce(
                record.topic, record.value, record.key, partition, headers=list(record.headers)
            )
            self._producer.poll(0)
        if self._producer.flush(timeout) != 0:
            raise TimeoutError(
                f"records not acknowledged by {self.settings.bootstrap} within {timeout} s"
            )


def publish(
    settings: KafkaSettings, records: Iterable[OutgoingRecord], timeout: float = 30
) -> None:
    """Write `records` once with a new producer (tests and one-off tools)."""
    RecordWriter(settings).write(records, timeout)


# Tools read the same kind of record the hub consumes.
ConsumedRecord = IngressRecord


# Answers of a broker whose new topics are still electing leaders: gone within a second.
_SETTLING = frozenset(
    {
        KafkaError.NOT_LEADER_FOR_PARTITION,
        KafkaError.LEADER_NOT_AVAILABLE,
        KafkaError.UNKNOWN_TOPIC_OR_PART,
    }
)


def worth_retrying(failure: KafkaException) -> bool:
    """A failure that goes away by itself (a new topic's leader not elected yet)."""
    error: KafkaError = failure.args[0]
    return bool(error.retriable()) or error.code() in _SETTLING


def offsets_for_times(
    consumer: Consumer, at_time: list[TopicPartition], deadline: float
) -> list[TopicPartition]:
    """Offsets by time, retried while a new topic's partitions still have no leader."""
    while True:
        try:
            found: list[TopicPartition] = consumer.offsets_for_times(
                at_time, timeout=max(deadline - time.monotonic(), 1.0)
            )
            return found
        except KafkaException as failure:
            if not worth_retrying(failure) or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def read_topic(
    settings: KafkaSettings,
    topic: str,
    *,
    keys: Collection[bytes] | None = None,
    done: Callable[[Sequence[ConsumedRecord]], bool] | None = None,
    timeout: float = 30.0,
    committed_only: bool = True,
    since_ms: int | None = None,
) -> list[ConsumedRecord]:
    """Committed records of every partition of `topic` from the start (only `keys`, if given).

    Reads until `done(records so far)` is true, or without `done` until the end
    of every partition, or until `timeout` seconds passed. `committed_only=False`
    reads as `read_uncommitted` does: aborted records too (fault tests count them).
    `since_ms` starts each partition at its first record written at or after that
    time (offsets-for-times), so a recent window does not read the whole history.
    """
    config: dict[str, Any] = {
        **settings.librdkafka_options(),
        "group.id": "hub-tools-reader",  # required by librdkafka; nothing is committed
        "enable.auto.commit": False,
        "isolation.level": "read_committed" if committed_only else "read_uncommitted",
        "enable.partition.eof": True,
        # The end of a partition is known only when a fetch comes back empty: librdkafka's
        # 500 ms wait made every read cost 1.3 s; 50 ms makes it 0.3 s, the broker idling
        # at about 6% of a core while a reader waits for records (measured).
        "fetch.wait.max.ms": 50,
        "logger": LOG,
    }
    consumer = Consumer(config)
    try:
        metadata = consumer.list_topics(topic, timeout=10).topics[topic]
    except KafkaException as failure:
        consumer.close()
        raise KafkaUnreachableError(settings.bootstrap, failure.args[0].str()) from failure
    if metadata.error is not None:
        consumer.close()
        raise KafkaUnreachableError(settings.bootstrap, f"{topic}: {metadata.error.str()}")
    found: list[ConsumedRecord] = []
    at_end: set[int] = set()
    deadline = time.monotonic() + timeout
    try:
        starts = [TopicPartition(topic, p, OFFSET_BEGINNING) for p in metadata.partitions]
        if since_ms is not None:
            at_time = [TopicPartition(topic, p, since_ms) for p in metadata.partitions]
            # OFFSET_END: nothing written since then in that partition, nothing to read.
            found_at = offsets_for_times(consumer, at_time, deadline)
            starts = [tp for tp in found_at if tp.offset != OFFSET_END]
        consumer.assign(starts)
        while time.monotonic() < deadline:
            if done(found) if done else len(at_end) == len(starts):
                break
            for message in consumer.consume(num_messages=1000, timeout=0.2):
                error = message.error()
                if error is not None:
                    if error.code() != KafkaError._PARTITION_EOF:
                        raise RuntimeError(f"reading {topic}: {error.str()}")
                    at_end.add(message.partition() or 0)
                    continue
                if keys is None or message.key() in keys:
                    found.append(consumed(message))
    finally:
        consumer.close()
    return found


def consumed(message: Message) -> ConsumedRecord:
    """A librdkafka message as a plain value (header values as bytes)."""
    return IngressRecord(
        message.topic() or "",
        message.partition() or 0,
        message.offset() or 0,
        message.key(),
        message.value(),
        header_pairs(message),
        message.timestamp()[1],
    )


def header_pairs(message: Message) -> Headers:
    """A message's headers as (name, bytes) pairs."""
    raw = message.headers() or []
    if isinstance(raw, list):
        # A consumed message's are (str, bytes | None) pairs already: converting each
        # pair again took a third of `hub replay`'s time (docs/BENCHMARKS.md).
        return tuple(cast(list[tuple[str, bytes | None]], raw))
    return tuple((k, v.encode() if isinstance(v, str) else v) for k, v in raw.items())
