"""Rebuilding partition states from the hub's own topics on start and on rebalance.

One reader per topic serves every partition being restored, so an instance
that gets six partitions pays for two reads, not twelve.
"""

from __future__ import annotations

from collections.abc import Collection

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition

from hub.kafka.clients import reader
from hub.kafka.topology import ALERTS, AUDIT, REGISTRY
from hub.pipeline.audit import AuditChain
from hub.pipeline.state import PartitionState
from hub.settings import KafkaSettings

_AUDIT_LOOKBACK = 64  # transaction markers take offsets too: look back a little

Records = dict[int, list[tuple[bytes | None, bytes | None]]]


def _read_to_end(consumer: Consumer, topic: str, starts: dict[int, int]) -> Records:
    """Every committed (key, value) of the partitions in `starts`, from there to their end."""
    records: Records = {p: [] for p in starts}
    # An empty partition has nothing to wait for (its end-of-partition event took a fetch
    # wait or two: seconds at every start and rebalance).
    at_end = {p for p in starts if _is_empty(consumer, topic, p)}
    consumer.assign(
        [TopicPartition(topic, p, offset) for p, offset in starts.items() if p not in at_end]
    )
    while len(at_end) < len(starts):
        for message in consumer.consume(num_messages=5000, timeout=0.2):
            partition = message.partition() or 0
            error = message.error()
            if error is not None and error.code() == KafkaError._PARTITION_EOF:
                at_end.add(partition)
            elif error is not None:
                raise RuntimeError(f"reading {topic}/{partition}: {error.str()}")
            else:
                records[partition].append((message.key(), message.value()))
    return records


def _is_empty(consumer: Consumer, topic: str, partition: int) -> bool:
    low, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)
    return bool(low == high)


def _audit_heads(consumer: Consumer, partitions: Collection[int]) -> dict[int, AuditChain]:
    bounds = {
        p: consumer.get_watermark_offsets(TopicPartition(AUDIT, p), timeout=10) for p in partitions
    }
    starts = {p: max(low, high - _AUDIT_LOOKBACK) for p, (low, high) in bounds.items()}
    heads: dict[int, AuditChain] = {}
    while starts:
        found = _read_to_end(consumer, AUDIT, starts)
        for p, records in found.items():
            if records or starts[p] <= bounds[p][0]:
                heads[p] = AuditChain.after(p, records[-1][1] if records else None)
        # Rare: a long run of aborted transactions hid the last record; look further back.
        starts = {
            p: max(bounds[p][0], starts[p] - 10 * _AUDIT_LOOKBACK) for p in found if p not in heads
        }
    return heads


def restore_partitions(
    settings: KafkaSettings, partitions: Collection[int]
) -> dict[int, PartitionState]:
    """The states of `partitions`, as committed to hub.registry, hub.alerts and hub.audit."""
    if not partitions:
        return {}
    consumer = reader(settings)
    try:
        heads = _audit_heads(consumer, partitions)
        states = {p: PartitionState(p, heads[p]) for p in partitions}
        registry = _read_to_end(consumer, REGISTRY, dict.fromkeys(partitions, OFFSET_BEGINNING))
        alerts = _read_to_end(consumer, ALERTS, dict.fromkeys(partitions, OFFSET_BEGINNING))
    finally:
        consumer.close()
    for p, records in registry.items():
        for key, value in records:
            if key is not None:
                states[p].restore(key, value)
    for p, records in alerts.items():
        for _, value in records:
            states[p].restore_alert(value)
    return states
