"""Rebuilding a partition's state from the hub's own topics on start and on rebalance."""

from __future__ import annotations

from confluent_kafka import OFFSET_BEGINNING, KafkaError, TopicPartition

from hub.kafka.clients import reader
from hub.kafka.topology import AUDIT, REGISTRY
from hub.pipeline.audit import AuditChain
from hub.pipeline.state import PartitionState
from hub.settings import KafkaSettings

_AUDIT_LOOKBACK = 64  # transaction markers take offsets too: look back a little


def _read_to_end(
    settings: KafkaSettings, topic: str, partition: int, start: int
) -> list[tuple[bytes | None, bytes | None]]:
    """Every committed (key, value) of one partition from `start` to its end."""
    consumer = reader(settings)
    consumer.assign([TopicPartition(topic, partition, start)])
    records: list[tuple[bytes | None, bytes | None]] = []
    try:
        while True:
            for message in consumer.consume(num_messages=5000, timeout=1.0):
                error = message.error()
                if error is not None and error.code() == KafkaError._PARTITION_EOF:
                    return records
                if error is not None:
                    raise RuntimeError(f"reading {topic}/{partition}: {error.str()}")
                records.append((message.key(), message.value()))
    finally:
        consumer.close()


def _audit_head(settings: KafkaSettings, partition: int) -> AuditChain:
    consumer = reader(settings)
    try:
        low, high = consumer.get_watermark_offsets(TopicPartition(AUDIT, partition), timeout=10)
    finally:
        consumer.close()
    start = max(low, high - _AUDIT_LOOKBACK)
    while True:
        records = _read_to_end(settings, AUDIT, partition, start)
        if records or start <= low:
            return AuditChain.after(partition, records[-1][1] if records else None)
        start = max(low, start - 10 * _AUDIT_LOOKBACK)


def restore_partition(settings: KafkaSettings, partition: int) -> PartitionState:
    """The state of one ingress partition number, as committed to hub.registry and hub.audit."""
    state = PartitionState(partition, _audit_head(settings, partition))
    for key, value in _read_to_end(settings, REGISTRY, partition, OFFSET_BEGINNING):
        if key is not None:
            state.restore(key, value)
    return state
