"""confluent-kafka (librdkafka) clients with the settings the hub relies on.

librdkafka rather than aiokafka for the hub's exactly-once loop: its
`send_offsets_to_transaction` passes the consumer group metadata (KIP-447), so a
stale instance is fenced after a rebalance; aiokafka's is not (TRAPS.md).
"""

from __future__ import annotations

import logging
from typing import Any

from confluent_kafka import Consumer, Message, Producer

from hub.settings import KafkaSettings

# librdkafka logs through this logger instead of writing to stderr itself. Commands
# that report an unreachable broker say so once; `hub run` configures logging and
# shows these lines.
LOG = logging.getLogger("hub.kafka")
LOG.addHandler(logging.NullHandler())


def transactional_producer(settings: KafkaSettings, transactional_id: str) -> Producer:
    producer = Producer(
        {
            **settings.librdkafka_options(),
            "transactional.id": transactional_id,
            "enable.idempotence": True,
            # A batch commits in milliseconds; a crashed instance's open transaction
            # blocks read_committed recipients until this runs out, so keep it short.
            "transaction.timeout.ms": 10_000,
            "linger.ms": 5,
            # Java's and aiokafka's partitioner: the hub places keys where connectors do.
            "partitioner": "murmur2_random",
            "compression.type": "lz4",
            # A transaction begun right after a commit is refused (CONCURRENT_TRANSACTIONS)
            # until the broker has written the commit's markers, a few ms; librdkafka
            # retried after 100 ms: back-to-back transactions at 1,000 events/s waited
            # 103 ms (p50) in send_offsets_to_transaction; with 2 ms, 2 ms
            # (docs/BENCHMARKS.md). The backoff still doubles on each retry, up to 1 s.
            "retry.backoff.ms": 2,
            "logger": LOG,
        }
    )
    return producer


def transactional_consumer(settings: KafkaSettings, group_id: str, **extra: Any) -> Consumer:
    return Consumer(
        {
            **settings.librdkafka_options(),
            "group.id": group_id,
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "isolation.level": "read_committed",
            # Range gives one instance partition p of every ingress topic: one owner per case.
            "partition.assignment.strategy": "range",
            # Hand over records as soon as they arrive instead of waiting up to 500 ms
            # for more: the hub's latency budget is tens of milliseconds.
            "fetch.wait.max.ms": 10,
            "logger": LOG,
            **extra,
        }
    )


def reader(settings: KafkaSettings, **extra: Any) -> Consumer:
    """A consumer outside any group, for reading partitions from a position (restore, replay)."""
    return Consumer(
        {
            **settings.librdkafka_options(),
            "group.id": "hub-reader",  # required by librdkafka; nothing is committed
            "enable.auto.commit": False,
            "isolation.level": "read_committed",
            "enable.partition.eof": True,
            "fetch.wait.max.ms": 10,  # reading to the end: do not wait for more to come
            "logger": LOG,
            **extra,
        }
    )


def next_batch(consumer: Consumer, size: int, wait: float) -> list[Message]:
    """Up to `size` messages: waits at most `wait` s for the first, then takes what is queued.

    `consume(size, wait)` returns only when `size` messages came or `wait` passed,
    so below full batches every call waited the whole `wait`: the hub's latency
    at 1,000 events/s, and the last second of every replay."""
    first = consumer.poll(wait)
    if first is None:
        return []
    rest: list[Message] = consumer.consume(num_messages=size - 1, timeout=0) if size > 1 else []
    return [first, *rest]
