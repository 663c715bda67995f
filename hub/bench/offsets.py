"""Where topics end and how far a consumer group has committed: when a drain is done.

A phase is timed from the moment its loop has its partitions until the group's
committed offsets reach the end of every partition the benchmark wrote to; the
offsets are committed in the same transaction as the output, so at that moment
every output is visible to `read_committed` readers.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any

from confluent_kafka import Consumer, KafkaException, TopicPartition

from hub.kafka.clients import LOG
from hub.settings import KafkaSettings

Position = tuple[str, int]  # (topic, partition)
Offsets = dict[Position, int]

_NO_OFFSET = -1001  # librdkafka's OFFSET_INVALID: the group committed nothing there


def _consumer(settings: KafkaSettings, group_id: str) -> Consumer:
    # Never subscribes, so it never joins the group; it only asks for the group's offsets.
    config: dict[str, Any] = {
        **settings.librdkafka_options(),
        "group.id": group_id,
        "enable.auto.commit": False,
        "isolation.level": "read_committed",
        "logger": LOG,
    }
    return Consumer(config)


def watermarks(settings: KafkaSettings, topics: Iterable[str]) -> dict[Position, tuple[int, int]]:
    """(low, high) of every partition of `topics`."""
    consumer = _consumer(settings, "hub-bench-watermarks")
    try:
        found: dict[Position, tuple[int, int]] = {}
        for topic in topics:
            metadata = consumer.list_topics(topic, timeout=10).topics[topic]
            for partition in metadata.partitions:
                found[topic, partition] = _watermark(consumer, TopicPartition(topic, partition))
        return found
    finally:
        consumer.close()


def _watermark(
    consumer: Consumer, partition: TopicPartition, timeout: float = 30
) -> tuple[int, int]:
    # Right after topics are created a partition may answer NOT_LEADER for a while
    # (librdkafka does not mark it retriable): ask again until `timeout`.
    deadline = time.monotonic() + timeout
    while True:
        try:
            low, high = consumer.get_watermark_offsets(partition, timeout=10)
            return low, high
        except KafkaException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def ends(settings: KafkaSettings, topics: Iterable[str]) -> Offsets:
    return {position: high for position, (_, high) in watermarks(settings, topics).items()}


def grown(before: Mapping[Position, int], after: Mapping[Position, int]) -> Offsets:
    """The partitions written to between two looks at the ends, with their new end."""
    return {p: end for p, end in after.items() if end > before.get(p, 0)}


class CommitWatch:
    """Polls one group's committed offsets (it does not join the group)."""

    def __init__(self, settings: KafkaSettings, group_id: str) -> None:
        self.group_id = group_id
        self._consumer = _consumer(settings, group_id)

    def committed(self, positions: Iterable[Position]) -> Offsets:
        asked = [TopicPartition(topic, partition) for topic, partition in positions]
        return {
            (tp.topic, tp.partition): tp.offset
            for tp in self._consumer.committed(asked, timeout=10)
        }

    def wait_until(self, targets: Mapping[Position, int], timeout: float) -> float:
        """Wait until the group committed at least `targets`; the monotonic time it did."""
        deadline = time.monotonic() + timeout
        while True:
            committed = self.committed(targets)
            if all(committed[p] >= end for p, end in targets.items()):
                return time.monotonic()
            if time.monotonic() > deadline:
                behind = sum(
                    end - max(committed[p], 0) for p, end in targets.items() if committed[p] < end
                )
                raise TimeoutError(
                    f"group {self.group_id} still {behind} records behind after {timeout:.0f} s"
                )
            time.sleep(0.005)

    def backlog(self, targets: Mapping[Position, int], low: Mapping[Position, int]) -> int:
        """How many records the group has yet to consume before it reaches `targets`."""
        committed = self.committed(targets)
        return sum(
            end - (committed[p] if committed[p] != _NO_OFFSET else low.get(p, 0))
            for p, end in targets.items()
        )

    def close(self) -> None:
        self._consumer.close()
