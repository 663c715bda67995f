"""The hub's exactly-once loop: consume a batch, decide, write it all in one transaction.

For each batch from the `ingress.*` topics: the egress, DLQ, audit and registry
records and the consumer offsets are committed in one Kafka transaction, so a
`read_committed` reader sees every delivery exactly once, and a crash at any
point replays the batch from the last commit. On an abortable error the batch
is aborted, the consumer rewound to its committed offsets and the state
rebuilt; a fenced (stale) instance stops.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable, Iterable

from confluent_kafka import (
    OFFSET_BEGINNING,
    Consumer,
    KafkaException,
    Message,
    Producer,
    TopicPartition,
)
from opentelemetry.metrics import Meter
from opentelemetry.trace import SpanKind, Tracer

from hub.kafka.admin import admin_client
from hub.kafka.batch import BatchWriter, DeliveryFailedError
from hub.kafka.clients import next_batch, transactional_consumer, transactional_producer
from hub.kafka.io import consumed
from hub.kafka.metrics import HubMetrics
from hub.kafka.restore import restore_partitions
from hub.kafka.topology import AGENCIES, ALERTS, AUDIT, REDRIVE, REGISTRY, ingress
from hub.pipeline.audit import Output
from hub.pipeline.process import PartitionProcessor
from hub.pipeline.records import IngressRecord
from hub.pipeline.state import PartitionState
from hub.settings import KafkaSettings, SigningSettings
from hub.signing import HUB_ORG, EventSigner, load_signer
from hub.signing.published import jwks_records
from hub.telemetry import context_from, processing_attributes, trace_headers

LOG = logging.getLogger("hub.service")
GROUP_ID = "justice-hub"
# The agencies' ingress topics, and operations' re-drives of dead letters.
INGRESS_TOPICS = [*(ingress(agency) for agency in AGENCIES), REDRIVE]


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def next_offsets(messages: Iterable[Message]) -> list[TopicPartition]:
    """The offsets to commit after `messages`: the last of each partition, plus one."""
    last: dict[tuple[str, int], int] = {}
    for message in messages:
        last[message.topic() or "", message.partition() or 0] = message.offset() or 0
    return [TopicPartition(topic, part, offset + 1) for (topic, part), offset in last.items()]


class HubService:
    """One hub instance: a member of the consumer group with its own transactional id."""

    def __init__(
        self,
        settings: KafkaSettings,
        processor: PartitionProcessor,
        instance_id: str,
        *,
        batch_size: int = 1000,
        clock: Callable[[], int] = _now_ms,
        tracer: Tracer | None = None,
        meter: Meter | None = None,
        signer: EventSigner | None = None,
    ) -> None:
        self.settings = settings
        # The hub's own key signs every egress record (default: HUB_SIGNING_KEYS_DIR's).
        self.signer = signer or load_signer(SigningSettings.from_env().private_dir, HUB_ORG)
        self.processor = processor
        self.instance_id = instance_id
        self.batch_size = batch_size
        self.clock = clock
        self.tracer = tracer
        self.metrics = HubMetrics(meter) if meter is not None else None
        self.states: dict[int, PartitionState] = {}
        self.ready = threading.Event()
        self._consumer: Consumer | None = None

    # -- rebalance ----------------------------------------------------------------------

    def _assigned(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        self.ready.clear()
        new = {tp.partition for tp in partitions} - set(self.states)
        self.states.update(restore_partitions(self.settings, new))
        # The registry is many small long-lived dicts; without this every full
        # collection scans all of them again (0.6-0.9 s per 20,000-event round in
        # docs/BENCHMARKS.md, seconds at a million cases). They hold no cycles.
        gc.freeze()
        LOG.info("assigned partitions %s", sorted(self.states))
        self.ready.set()

    def _revoked(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        self.ready.clear()
        self.states.clear()

    def _check_partitions(self) -> None:
        """The registry and audit chains follow the ingress partition number: counts must match."""
        admin = admin_client(self.settings)
        counts = {
            name: len(t.partitions) for name, t in admin.list_topics(timeout=30).topics.items()
        }
        needed = [*INGRESS_TOPICS, REGISTRY, ALERTS, AUDIT]
        missing = [name for name in needed if name not in counts]
        if missing:
            raise RuntimeError(f"topics missing: {', '.join(missing)}; run `hub topics init`")
        if len({counts[name] for name in needed}) != 1:
            found = ", ".join(f"{name}: {counts[name]}" for name in needed)
            raise RuntimeError(f"co-partitioned topics differ in partition count ({found})")

    # -- the loop -----------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Process until `stop` is set; the batch in flight is finished and committed."""
        self._check_partitions()
        gc.set_threshold(50_000, 20, 20)  # per-event garbage is short-lived: collect less often
        producer = transactional_producer(self.settings, f"{GROUP_ID}-{self.instance_id}")
        producer.init_transactions(60)
        self._publish_key_sets(producer)
        # Dynamic membership: a stopping instance leaves the group at once; a killed one
        # is noticed after the session timeout and its partitions move on.
        # client.id names the instance in the group's description (`hub flow`, the console).
        options = {"session.timeout.ms": 10_000, "client.id": f"{GROUP_ID}-{self.instance_id}"}
        consumer = transactional_consumer(self.settings, GROUP_ID, **options)
        self._consumer = consumer
        consumer.subscribe(
            INGRESS_TOPICS,
            on_assign=self._assigned,
            on_revoke=self._revoked,
            on_lost=self._revoked,
        )
        try:
            while not stop.is_set():
                self._one_batch(consumer, producer)
        finally:
            self.ready.clear()
            consumer.close()
            producer.flush(10)

    def _publish_key_sets(self, producer: Producer) -> None:
        """The key sets the hub trusts, into the registry (DESIGN.md section 3)."""
        producer.begin_transaction()
        for record in jwks_records(self.processor.pipeline.keyring):
            producer.produce(record.topic, record.value, record.key)
        producer.commit_transaction(60)

    def _one_batch(self, consumer: Consumer, producer: Producer) -> None:
        messages = next_batch(consumer, self.batch_size, wait=0.05)
        records = []
        for message in messages:
            if (error := message.error()) is None:
                records.append(message)
            else:
                LOG.warning("consume error: %s", error.str())
        now = self.clock()
        expiring = [s for s in self.states.values() if s.expired(now) or s.due_alerts(now)]
        if not records and not expiring:
            return
        started = time.monotonic()
        producer.begin_transaction()
        batch = BatchWriter(producer, self.signer)
        decided: list[tuple[IngressRecord, list[Output]]] = []
        try:
            for message in records:
                record = consumed(message)
                outputs = self._process(batch, record, self.states[record.partition], now)
                if self.metrics is not None:
                    decided.append((record, outputs))
            for state in expiring:
                batch.add(self.processor.expire(state, now))
            batch.finish()
            if records:
                producer.send_offsets_to_transaction(
                    next_offsets(records), consumer.consumer_group_metadata(), 30
                )
            producer.commit_transaction(60)
        except (KafkaException, DeliveryFailedError) as error:
            self._recover(error, consumer, producer)
            return
        if self.metrics is not None:
            self._measure(consumer, decided, now, time.monotonic() - started)

    def _process(
        self, batch: BatchWriter, record: IngressRecord, state: PartitionState, now: int
    ) -> list[Output]:
        if self.tracer is None:
            outputs = self.processor.handle(record, state, now)
            batch.add(outputs)
            return outputs
        return self._traced(batch, record, state, now)

    def _measure(
        self,
        consumer: Consumer,
        decided: list[tuple[IngressRecord, list[Output]]],
        now: int,
        seconds: float,
    ) -> None:
        """After the commit, so an aborted batch is not counted twice."""
        assert self.metrics is not None
        for record, outputs in decided:
            self.metrics.decided(record, outputs, now)
        self.metrics.batch_took(seconds * 1000)
        lag = {}
        for tp in consumer.position(consumer.assignment()):
            _, high = consumer.get_watermark_offsets(tp, cached=True)
            if tp.offset >= 0 and high >= 0:
                lag[tp.topic, tp.partition] = max(0, high - tp.offset)
        self.metrics.lag(lag)

    def _traced(
        self, batch: BatchWriter, record: IngressRecord, state: PartitionState, now: int
    ) -> list[Output]:
        """The record's processing as a consumer span, child of the sender's publish span;
        its egress records carry this span as their parent, so the trace continues."""
        assert self.tracer is not None
        with self.tracer.start_as_current_span(
            f"process {record.topic}", context=context_from(record.headers), kind=SpanKind.CONSUMER
        ) as span:
            outputs = self.processor.handle(record, state, now)
            span.set_attributes(processing_attributes(record, outputs))
            batch.add(outputs, trace=trace_headers(span))
        return outputs

    def _recover(
        self, error: KafkaException | DeliveryFailedError, consumer: Consumer, producer: Producer
    ) -> None:
        if isinstance(error, KafkaException) and not error.args[0].txn_requires_abort():
            raise error  # fatal, e.g. fenced by a newer instance: stop rather than duplicate
        LOG.warning("transaction aborted (%s); rewinding to the last commit", error)
        producer.abort_transaction(60)
        self._rewind(consumer)

    def _rewind(self, consumer: Consumer) -> None:
        assignment = consumer.assignment()
        for tp in consumer.committed(assignment, timeout=30):
            tp.offset = tp.offset if tp.offset >= 0 else OFFSET_BEGINNING
            consumer.seek(tp)
        self.states = restore_partitions(self.settings, list(self.states))
