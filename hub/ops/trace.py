"""`hub trace CASE_ID`: every event of a case, every hop, with timings, from the audit log.

It needs no tracing backend: the audit log names each event's ingress record
and the egress records it became, and their Kafka timestamps give the timings.
The W3C trace id of each event lets operations open it in Jaeger too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from hub.kafka.io import ConsumedRecord, read_topic
from hub.kafka.topology import AGENCIES, AUDIT, DLQ, REDRIVE, egress, ingress
from hub.settings import KafkaSettings


def _trace_id(record: ConsumedRecord | None) -> str | None:
    traceparent = record.header("traceparent") if record else None
    return traceparent.decode().split("-")[1] if traceparent else None


def _positions(settings: KafkaSettings, topics: list[str], key: bytes) -> dict[str, ConsumedRecord]:
    return {
        f"{r.topic}/{r.partition}/{r.offset}": r
        for topic in topics
        for r in read_topic(settings, topic, keys={key})
    }


def _hop(
    entry: Mapping[str, Any],
    placed: Mapping[str, ConsumedRecord],
    sent_ms: int | None,
    event_id: str | None,
) -> dict[str, Any]:
    where = f"{entry['topic']}/{entry.get('partition')}/{entry.get('offset')}"
    record = placed.get(where)
    at = record.timestamp_ms if record else None
    return {
        "to": entry.get("recipient", "operations" if entry["topic"] == DLQ else "?"),
        "what": "victim alert" if entry.get("eventId") not in (None, event_id) else "delivery",
        "topic": entry["topic"],
        "position": where,
        "eventId": entry.get("eventId"),
        "atMs": at,
        "afterMs": at - sent_ms if at is not None and sent_ms is not None else None,
    }


def trace_case(settings: KafkaSettings, case_id: str) -> list[dict[str, Any]]:
    """The case's events in the order the hub decided them, each with its hops."""
    key = case_id.encode()
    audits = sorted(
        (orjson.loads(r.value or b"{}") for r in read_topic(settings, AUDIT, keys={key})),
        key=lambda a: (a["time_ms"], a["sequence"]),
    )
    received = _positions(settings, [*map(ingress, AGENCIES), REDRIVE], key)
    placed = _positions(settings, [*map(egress, AGENCIES), DLQ], key)
    events = []
    for audit in audits:
        original = received.get(audit["ingress"])
        sent_ms = original.timestamp_ms if original else None
        named = [*audit.get("deliveries", []), *([audit["dlq"]] if "dlq" in audit else [])]
        events.append(
            {
                "eventId": audit.get("eventId"),
                # An operator's action (lock, close, reveal) has no type or source of its own.
                "type": (audit.get("type") or audit.get("operatorAction") or "?").removeprefix(
                    "no.justice."
                ),
                "from": (audit.get("source") or audit.get("operator") or "?").rsplit(":", 1)[-1],
                "action": audit["action"],
                "reason": audit.get("reason"),
                "ingress": audit["ingress"],
                "sentAtMs": sent_ms,
                "decidedAtMs": audit["time_ms"],
                "decidedAfterMs": audit["time_ms"] - sent_ms if sent_ms is not None else None,
                "hops": [_hop(entry, placed, sent_ms, audit.get("eventId")) for entry in named],
                "traceId": _trace_id(original),
                "auditSequence": f"{AUDIT}/{audit['sequence']}",
            }
        )
    return events
