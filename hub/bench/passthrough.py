"""The limit: `ingress.*` copied unchanged, with the hub's own clients and transactions.

Everything the hub's loop (hub.kafka.service) does except the hub's work: the
same confluent-kafka consumer and producer factories and settings
(read_committed, range assignment, idempotent transactional producer, lz4,
linger 5 ms), the same batches of up to 1000 records, one transaction per
batch with the consumer offsets sent in it. What is left between this loop's
rate and the hub's is the cost of the hub's own work.

The copies go to `bench.passthrough.<agency>`, topics like `egress.<agency>`
but of their own, so an agency reading its egress topic never sees them.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

from confluent_kafka import (
    OFFSET_BEGINNING,
    Consumer,
    KafkaException,
    Message,
    Producer,
    TopicPartition,
)

from hub.bench.offsets import Position
from hub.kafka.clients import next_batch, transactional_consumer, transactional_producer
from hub.kafka.service import INGRESS_TOPICS, next_offsets
from hub.kafka.topology import AGENCIES, DEFAULT_PARTITIONS, TopicSpec, ingress
from hub.settings import KafkaSettings

SINK_PREFIX = "bench.passthrough."
_SINKS = {ingress(agency): SINK_PREFIX + agency for agency in AGENCIES}


def sink_topics(partitions: int = DEFAULT_PARTITIONS) -> tuple[TopicSpec, ...]:
    """The pass-through's output topics: an egress topic's partitions, kept one day."""
    return tuple(
        TopicSpec(
            sink, partitions, "hub bench: raw copies of ingress", {"retention.ms": "86400000"}
        )
        for sink in _SINKS.values()
    )


class PassThrough:
    """A consume-copy-produce loop in a group of its own, from given offsets."""

    def __init__(
        self,
        settings: KafkaSettings,
        group_id: str,
        starts: Mapping[Position, int],
        batch_size: int = 1000,
    ) -> None:
        self.settings = settings
        self.group_id = group_id
        self.starts = dict(starts)
        self.batch_size = batch_size
        self.ready = threading.Event()

    def _assigned(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        for tp in partitions:
            tp.offset = self.starts.get((tp.topic, tp.partition), OFFSET_BEGINNING)
        consumer.assign(partitions)
        self.ready.set()

    def run(self, stop: threading.Event) -> None:
        """Copy until `stop` is set; the batch in flight is finished and committed."""
        producer = transactional_producer(self.settings, self.group_id)
        producer.init_transactions(60)
        consumer = transactional_consumer(
            self.settings, self.group_id, **{"session.timeout.ms": 10_000}
        )
        # The hub's subscription: hub.redrive too, though nothing is copied from it.
        consumer.subscribe(INGRESS_TOPICS, on_assign=self._assigned)
        try:
            while not stop.is_set():
                self._one_batch(consumer, producer)
        finally:
            consumer.close()
            producer.flush(10)

    def _one_batch(self, consumer: Consumer, producer: Producer) -> None:
        messages = next_batch(consumer, self.batch_size, wait=0.05)
        records = [message for message in messages if message.error() is None]
        if not records:
            return
        producer.begin_transaction()
        try:
            for message in records:
                sink = _SINKS.get(message.topic() or "")
                if sink is not None:
                    _produce(producer, sink, message)
            producer.send_offsets_to_transaction(
                next_offsets(records), consumer.consumer_group_metadata(), 30
            )
            producer.commit_transaction(60)
        except KafkaException as error:
            if not error.args[0].txn_requires_abort():
                raise
            producer.abort_transaction(60)
            for tp in consumer.committed(consumer.assignment(), timeout=30):
                if tp.offset < 0:  # nothing committed yet: back to where the run started
                    tp.offset = self.starts.get((tp.topic, tp.partition), OFFSET_BEGINNING)
                consumer.seek(tp)


def _produce(producer: Producer, topic: str, message: Message) -> None:
    while True:
        try:
            producer.produce(topic, message.value(), message.key(), -1, headers=message.headers())
            return
        except BufferError:  # the local queue is full: let librdkafka send some
            producer.poll(0.05)
