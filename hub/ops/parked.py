"""`hub parked` and the console's parked list: events waiting for a case that has not come.

An event that refers to a case the hub does not know yet (a judgment before its
case.registered) is parked, not dropped: decided again when the case arrives,
rejected with REFERENCE_NOT_FOUND when its wait runs out. Still parked are the
PARK records of `hub.audit` whose ingress position has no final outcome yet
(the same accounting as `hub audit verify`). What is awaited and until when is
in the PENDING receipt the PARK record names; ids and codes only.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Mapping
from typing import Any

import orjson
from confluent_kafka import KafkaError, TopicPartition

from hub.kafka.clients import reader
from hub.kafka.io import read_topic
from hub.kafka.topology import AUDIT
from hub.ops.audit import outcomes_by_ingress
from hub.ops.flow import agency_of, type_of
from hub.settings import KafkaSettings

_PENDING = "PENDING"
_RECEIPT_READ_TIMEOUT = 10.0


def still_parked(audits: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """PARK records with no ACCEPT, REJECT or DEDUPE for the same ingress position since."""
    final, parked = outcomes_by_ingress(audits)
    return [audit for position, audit in parked.items() if position not in final]


def pending_receipt_of(park: Mapping[str, Any]) -> tuple[str, int, int] | None:
    """Where the PENDING receipt of a PARK record is (topic, partition, offset), if any."""
    for entry in park.get("receipts", []):
        if entry.get("status") == _PENDING and entry.get("offset") is not None:
            return entry["topic"], int(entry["partition"]), int(entry["offset"])
    return None


def parked_entry(
    park: Mapping[str, Any], receipt: Mapping[str, Any] | None, now_ms: int
) -> dict[str, Any]:
    """One parked event as operations see it (`receipt`: its PENDING receipt's data)."""
    since = int(park["time_ms"])
    until = (receipt or {}).get("parkedUntil")
    return {
        "caseId": park.get("caseId"),
        "eventId": park.get("eventId"),
        "type": type_of(park),
        "agency": agency_of(park),
        "missingReference": (receipt or {}).get("missingReference"),
        "parkedSinceMs": since,
        "parkedUntilMs": _epoch_ms(until) if isinstance(until, str) else None,
        "ageSeconds": max(0, (now_ms - since) // 1000),
        "ingress": park["ingress"],
    }


def _epoch_ms(instant: str) -> int:
    return int(dt.datetime.fromisoformat(instant).timestamp() * 1000)


def parked_events(settings: KafkaSettings, *, now_ms: int | None = None) -> list[dict[str, Any]]:
    """Events the hub holds for a missing reference, oldest first."""
    now = time.time_ns() // 1_000_000 if now_ms is None else now_ms
    audits = [orjson.loads(r.value) for r in read_topic(settings, AUDIT) if r.value]
    parks = sorted(still_parked(audits), key=lambda a: int(a["time_ms"]))
    located = [(park, pending_receipt_of(park)) for park in parks]
    receipts = _read_at(settings, [place for _, place in located if place])
    return [
        parked_entry(park, receipts.get(place) if place else None, now) for park, place in located
    ]


def _read_at(
    settings: KafkaSettings, places: list[tuple[str, int, int]]
) -> dict[tuple[str, int, int], dict[str, Any]]:
    """The JSON values at `places` (few: one per parked event), read partition by partition
    from the lowest offset wanted to the highest."""
    wanted: dict[tuple[str, int], set[int]] = {}
    for topic, partition, offset in places:
        wanted.setdefault((topic, partition), set()).add(offset)
    found: dict[tuple[str, int, int], dict[str, Any]] = {}
    if not wanted:
        return found
    consumer = reader(settings)
    try:
        consumer.assign([TopicPartition(t, p, min(offsets)) for (t, p), offsets in wanted.items()])
        open_partitions = {place: max(offsets) for place, offsets in wanted.items()}
        deadline = time.monotonic() + _RECEIPT_READ_TIMEOUT
        while open_partitions and time.monotonic() < deadline:
            for message in consumer.consume(num_messages=500, timeout=0.2):
                place = (message.topic() or "", message.partition() or 0)
                error = message.error()
                offset = message.offset() or 0
                if error is not None and error.code() != KafkaError._PARTITION_EOF:
                    raise RuntimeError(f"reading {place}: {error.str()}")
                if error is None and offset in wanted.get(place, set()):
                    found[(*place, offset)] = orjson.loads(message.value() or b"{}")
                if error is not None or offset >= open_partitions.get(place, -1):
                    open_partitions.pop(place, None)
    finally:
        consumer.close()
    return found
