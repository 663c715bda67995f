"""`hub replay`: the events agencies sent, re-read by time window, case or type.

Offsets are found by timestamp (Kafka's offsets-for-times), so a window of a
day in years of retention costs a day's reading. The events come from the
ingress topics, byte for byte as sent; their order is the order they were
written (timestamp, then topic, partition and offset).
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

import orjson
from confluent_kafka import OFFSET_END, Consumer, KafkaError, Message, TopicPartition

from hub.kafka.clients import next_batch, reader
from hub.kafka.io import ConsumedRecord, consumed, header_pairs, offsets_for_times
from hub.kafka.topology import AGENCIES, ingress
from hub.pipeline.records import OutgoingRecord
from hub.settings import KafkaSettings

SANDBOX_PREFIX = "sandbox."
REPLAYED_FROM_HEADER = "hub_replayed_from"


@dataclass(frozen=True, slots=True)
class ReplayQuery:
    start_ms: int = 0
    end_ms: int | None = None  # inclusive; None: up to now
    case_id: str | None = None
    event_type: str | None = None  # "leave.granted"; None: every type
    topics: tuple[str, ...] = tuple(ingress(agency) for agency in AGENCIES)

    def wants(self, message: Message) -> bool:
        """Judged on the raw message, so records left out are never converted."""
        if self.case_id is not None and message.key() != self.case_id.encode():
            return False
        if self.event_type is None:
            return True
        wanted = f"no.justice.{self.event_type}".encode()
        return next((v for k, v in header_pairs(message) if k == "ce_type"), None) == wanted


# Large fetches: a replay reads whole partitions, so fewer, fuller round trips.
_FETCH = {"fetch.max.bytes": 64 * 1024 * 1024, "max.partition.fetch.bytes": 8 * 1024 * 1024}
_BATCH = 10_000
# The order of a replay: as written (timestamp), then by place.
_WRITTEN = attrgetter("timestamp_ms", "topic", "partition", "offset")


def _starts(consumer: Consumer, query: ReplayQuery) -> list[TopicPartition]:
    wanted = [
        TopicPartition(topic, partition, query.start_ms)
        for topic in query.topics
        for partition in consumer.list_topics(topic, timeout=10).topics[topic].partitions
    ]
    found = offsets_for_times(consumer, wanted, time.monotonic() + 30)
    return [tp for tp in found if tp.offset != OFFSET_END]


def replay(
    settings: KafkaSettings, query: ReplayQuery, progress: Callable[[int], None] = lambda _: None
) -> list[ConsumedRecord]:
    """The committed events matching `query`, in the order they were written."""
    consumer = reader(settings, **_FETCH)
    found: list[ConsumedRecord] = []
    try:
        starts = _starts(consumer, query)
        if not starts:
            return []
        consumer.assign(starts)
        open_partitions = {(tp.topic, tp.partition) for tp in starts}
        while open_partitions:
            for message in next_batch(consumer, _BATCH, wait=1.0):
                place = (message.topic() or "", message.partition() or 0)
                error = message.error()
                if error is not None and error.code() == KafkaError._PARTITION_EOF:
                    open_partitions.discard(place)
                    continue
                if error is not None:
                    raise RuntimeError(f"reading {place}: {error.str()}")
                if query.end_ms is not None and message.timestamp()[1] > query.end_ms:
                    open_partitions.discard(place)
                    consumer.pause([TopicPartition(*place)])
                elif query.wants(message):
                    found.append(consumed(message))
            progress(len(found))
    finally:
        consumer.close()
    found.sort(key=_WRITTEN)
    return found


def as_json_line(record: ConsumedRecord) -> bytes:
    """One replayed event as a JSON line: where it was, its envelope and its data."""
    try:
        data: Any = orjson.loads(record.value or b"null")
        raw = None
    except orjson.JSONDecodeError:
        data, raw = None, base64.b64encode(record.value or b"").decode()
    line = {
        "topic": record.topic,
        "partition": record.partition,
        "offset": record.offset,
        "timestampMs": record.timestamp_ms,
        "key": (record.key or b"").decode(errors="replace"),
        "headers": {
            name: (value or b"").decode(errors="replace") for name, value in record.headers
        },
        "data": data,
        "valueBase64": raw,
    }
    return orjson.dumps(line) + b"\n"


def to_sandbox(records: Sequence[ConsumedRecord], topic: str) -> list[OutgoingRecord]:
    """The records to re-publish on a sandbox topic (never an ingress or egress topic)."""
    if not topic.startswith(SANDBOX_PREFIX):
        raise ValueError(f"replays go to {SANDBOX_PREFIX}* topics only, not {topic}")
    return [
        OutgoingRecord(
            topic,
            r.key,
            r.value,
            (*r.headers, (REPLAYED_FROM_HEADER, f"{r.topic}/{r.partition}/{r.offset}".encode())),
        )
        for r in records
    ]
