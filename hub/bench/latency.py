"""Latency through the hub: events offered at a fixed rate, timed until a reader sees them.

A producer configured as a connector's (hub.kafka.io.RecordWriter: idempotent,
linger 5 ms) sends each event at its scheduled instant; a `read_committed`
consumer of `egress.*` and `hub.dlq` notes when the first output of each
event arrives (a delivery by its `ce_id`, a dead letter by its `eventId`).
Latency is arrival minus the instant the event was handed to the producer:
the producer's linger, the hub's batch and transaction, and the reader's fetch.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from confluent_kafka import Consumer, Message, Producer, TopicPartition

from hub.bench.offsets import Position
from hub.kafka.clients import LOG
from hub.kafka.topology import DLQ
from hub.pipeline.records import OutgoingRecord
from hub.settings import KafkaSettings


@dataclass(frozen=True, slots=True)
class Latency:
    p50: float | None
    p95: float | None
    p99: float | None
    max: float | None
    samples: int  # events after the warm-up whose output arrived
    missing: int  # events with an output due that did not arrive in time

    def as_dict(self) -> dict[str, Any]:
        return {"p50": self.p50, "p95": self.p95, "p99": self.p99, "max": self.max}


def percentile(ordered: Sequence[float], share: float) -> float | None:
    """Nearest rank on sorted values, rounded to 0.1."""
    if not ordered:
        return None
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 1)


def _event_id(message: Message) -> str | None:
    if message.topic() == DLQ:
        found = orjson.loads(message.value() or b"{}").get("eventId")
        return found if isinstance(found, str) else None
    raw = message.headers() or []
    for name, value in raw.items() if isinstance(raw, dict) else raw:
        if name == "ce_id" and value is not None:
            return value if isinstance(value, str) else bytes(value).decode()
    return None


class ArrivalWatch:
    """A `read_committed` reader noting when the first output of each awaited event arrives."""

    def __init__(
        self, settings: KafkaSettings, starts: Mapping[Position, int], awaited: Collection[str]
    ) -> None:
        config: dict[str, Any] = {
            **settings.librdkafka_options(),
            "group.id": "hub-bench-latency",  # required by librdkafka; nothing is committed
            "enable.auto.commit": False,
            "isolation.level": "read_committed",
            "fetch.wait.max.ms": 10,
            "logger": LOG,
        }
        self._consumer = Consumer(config)
        self._consumer.assign([TopicPartition(t, p, offset) for (t, p), offset in starts.items()])
        self.awaited = frozenset(awaited)
        self.arrived: dict[str, float] = {}
        self.all_arrived = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-arrivals", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                message = self._consumer.poll(0.1)
                now = time.perf_counter()
                if message is None or message.error() is not None:
                    continue
                event_id = _event_id(message)
                if event_id in self.awaited and event_id not in self.arrived:
                    self.arrived[event_id] = now
                    if len(self.arrived) == len(self.awaited):
                        self.all_arrived.set()
        finally:
            self._consumer.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(30)


def connector_producer(settings: KafkaSettings) -> Producer:
    """A producer set up as hub.kafka.io.RecordWriter's (a connector's)."""
    config: dict[str, Any] = {
        **settings.librdkafka_options(),
        "enable.idempotence": True,
        "partitioner": "murmur2_random",
        "linger.ms": 5,
        "logger": LOG,
    }
    return Producer(config)


def offer(
    producer: Producer, records: Sequence[tuple[str, OutgoingRecord]], rate: float
) -> dict[str, float]:
    """Send `records` (event id, record) at `rate` per second; when each was handed over."""
    sent: dict[str, float] = {}
    started = time.perf_counter()
    for number, (event_id, record) in enumerate(records):
        wait = started + number / rate - time.perf_counter()
        if wait > 0.0005:
            time.sleep(wait)
        sent.setdefault(event_id, time.perf_counter())
        partition = -1 if record.partition is None else record.partition
        producer.produce(
            record.topic, record.value, record.key, partition, headers=list(record.headers)
        )
        producer.poll(0)
    if producer.flush(30) != 0:
        raise TimeoutError("the latency phase's events were not acknowledged within 30 s")
    return sent


def measure(
    watch: ArrivalWatch, sent: Mapping[str, float], timeout: float, warmup: float
) -> Latency:
    """Wait for the awaited outputs (up to `timeout` s); latencies in milliseconds of the
    events sent after the first `warmup` seconds (the loop's and the reader's start-up)."""
    watch.all_arrived.wait(timeout)
    watch.stop()
    since = min(sent.values(), default=0.0) + warmup
    latencies = sorted(
        (arrived - sent[event_id]) * 1000
        for event_id, arrived in watch.arrived.items()
        if event_id in sent and sent[event_id] >= since
    )
    return Latency(
        p50=percentile(latencies, 0.50),
        p95=percentile(latencies, 0.95),
        p99=percentile(latencies, 0.99),
        max=round(latencies[-1], 1) if latencies else None,
        samples=len(latencies),
        missing=len(watch.awaited - watch.arrived.keys()),
    )
