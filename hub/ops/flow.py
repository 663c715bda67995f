"""`hub flow` and the console's Flow page: what came in, and what became of it, lately.

From `hub.audit` (read from the window's start by timestamp, not from the
topic's start): per agency and event type, the ingress records decided, those
delivered, rejected, parked and deduplicated, and a per-minute series for a
chart. From the consumer group: each ingress partition's committed offset, end
and lag, and each hub instance with the partitions it holds. Ids, codes and
counts only: the audit log holds no personal data, and nothing here reads an
event's payload.
"""

from __future__ import annotations

import concurrent.futures
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import orjson
from confluent_kafka import (
    Consumer,
    ConsumerGroupState,
    IsolationLevel,
    KafkaException,
    TopicPartition,
)
from confluent_kafka.admin import AdminClient, OffsetSpec  # type: ignore[attr-defined]

from hub.kafka.admin import admin_client
from hub.kafka.clients import LOG
from hub.kafka.io import KafkaUnreachableError, read_topic, worth_retrying
from hub.kafka.service import GROUP_ID, INGRESS_TOPICS
from hub.kafka.topology import AUDIT
from hub.pipeline.ownership import agency_of as topic_owner
from hub.settings import KafkaSettings

MINUTE_MS = 60_000
# What each audit action counts as; "in" is counted once per ingress position.
COUNTED = {
    "ACCEPT": "accepted",
    "REJECT": "rejected",
    "PARK": "parked",
    "DEDUPE": "duplicates",
}
COUNTS = ("in", "accepted", "delivered", "rejected", "parked", "duplicates", "other")
_SOURCE_PREFIX = "urn:no:justice:"
_TYPE_PREFIX = "no.justice."
_STATE_NAMES = {
    ConsumerGroupState.STABLE: "Stable",
    ConsumerGroupState.PREPARING_REBALANCING: "PreparingRebalance",
    ConsumerGroupState.COMPLETING_REBALANCING: "CompletingRebalance",
    ConsumerGroupState.EMPTY: "Empty",
    ConsumerGroupState.DEAD: "Dead",
    ConsumerGroupState.UNKNOWN: "Unknown",
}
_ADMIN_TIMEOUT = 15.0
_OFFSET_ATTEMPTS = 4
# confluent-kafka's OffsetSpec factories carry no type hints.
_END = OffsetSpec.latest()  # type: ignore[no-untyped-call]
_START = OffsetSpec.earliest()  # type: ignore[no-untyped-call]


def agency_of(audit: Mapping[str, Any]) -> str:
    """Who the record is about: its source (urn:no:justice:police -> police), else the
    owner of the ingress topic it came on; the hub's own alert records say `hub`."""
    source = audit.get("source")
    if isinstance(source, str) and source.startswith(_SOURCE_PREFIX):
        return source.removeprefix(_SOURCE_PREFIX)
    return topic_owner(str(audit.get("ingress") or "").split("/")[0]) or "unknown"


def type_of(audit: Mapping[str, Any]) -> str:
    """The event type without its prefix (`judgment.final`); `unknown` when unreadable."""
    return str(audit.get("type") or "unknown").removeprefix(_TYPE_PREFIX)


def _zero() -> dict[str, int]:
    return dict.fromkeys(COUNTS, 0)


def count_flow(
    audits: Iterable[Mapping[str, Any]], *, since_ms: int, now_ms: int
) -> dict[str, Any]:
    """The window's counts from parsed audit records (pure; any order, any action).

    `in` counts each ingress position once, at its first decision in the window (a
    parked event that is accepted later is one event in); `delivered` are ACCEPTs
    that went to at least one recipient; actions other than the four decisions
    (alert repeats and escalations, operators' actions) count as `other`.
    """
    by_type: dict[tuple[str, str], dict[str, int]] = defaultdict(_zero)
    minutes = {m: {"in": 0, "delivered": 0, "rejected": 0} for m in _minutes(since_ms, now_ms)}
    seen: set[str] = set()
    window = sorted(
        (a for a in audits if since_ms <= int(a.get("time_ms", 0)) <= now_ms),
        key=lambda a: int(a["time_ms"]),
    )
    for audit in window:
        counts = by_type[agency_of(audit), type_of(audit)]
        minute = minutes[int(audit["time_ms"]) // MINUTE_MS * MINUTE_MS]
        action = audit.get("action")
        counted = COUNTED.get(str(action), "other")
        counts[counted] += 1
        ingress = audit.get("ingress")
        if counted != "other" and ingress and ingress not in seen:
            seen.add(ingress)
            counts["in"] += 1
            minute["in"] += 1
        if action == "ACCEPT" and audit.get("deliveries"):
            counts["delivered"] += 1
            minute["delivered"] += 1
        if action == "REJECT":
            minute["rejected"] += 1
    by_agency: dict[str, Counter[str]] = defaultdict(Counter)
    for (agency, _), counts in by_type.items():
        by_agency[agency].update(counts)
    totals: Counter[str] = Counter(_zero())
    for counts in by_type.values():
        totals.update(counts)
    return {
        "sinceMs": since_ms,
        "nowMs": now_ms,
        "totals": {name: totals[name] for name in COUNTS},
        "byAgency": [
            {"agency": agency, **{name: counts[name] for name in COUNTS}}
            for agency, counts in sorted(by_agency.items())
        ],
        "byType": [
            {"agency": agency, "type": event_type, **counts}
            for (agency, event_type), counts in sorted(by_type.items())
        ],
        "perMinute": [{"minuteMs": m, **minutes[m]} for m in sorted(minutes)],
    }


def _minutes(since_ms: int, now_ms: int) -> range:
    """Every minute of the window, so the chart shows quiet minutes as zero."""
    first = since_ms // MINUTE_MS * MINUTE_MS
    return range(first, now_ms + 1, MINUTE_MS)


def flow_summary(
    settings: KafkaSettings, *, minutes: int = 15, now_ms: int | None = None
) -> dict[str, Any]:
    """The Flow page and `hub flow`: the last `minutes` of decisions, lag and instances."""
    now = time.time_ns() // 1_000_000 if now_ms is None else now_ms
    since = now - minutes * MINUTE_MS
    audits = (orjson.loads(r.value) for r in read_topic(settings, AUDIT, since_ms=since) if r.value)
    summary = {"windowMinutes": minutes, **count_flow(audits, since_ms=since, now_ms=now)}
    try:
        lag, lag_problem = consumer_lag(settings), {}
    except KafkaUnreachableError as failure:  # the counts are still worth showing
        lag, lag_problem = [], {"lagProblem": str(failure)}
    return {
        **summary,
        "lag": lag,
        "totalLag": sum(p["lag"] for p in lag),
        **lag_problem,
        **hub_instances(settings),
    }


def _ingress_partitions(admin: AdminClient, settings: KafkaSettings) -> list[TopicPartition]:
    try:
        topics = admin.list_topics(timeout=_ADMIN_TIMEOUT).topics
    except KafkaException as failure:
        raise KafkaUnreachableError(settings.bootstrap, failure.args[0].str()) from failure
    if missing := [t for t in INGRESS_TOPICS if t not in topics]:
        raise KafkaUnreachableError(settings.bootstrap, f"topics missing: {', '.join(missing)}")
    return [TopicPartition(t, p) for t in INGRESS_TOPICS for p in sorted(topics[t].partitions)]


def _offsets(
    admin: AdminClient, settings: KafkaSettings, partitions: list[TopicPartition], spec: OffsetSpec
) -> dict[tuple[str, int], int]:
    """Each partition's offset; retried while a new topic's leaders are being elected."""
    for attempt in range(_OFFSET_ATTEMPTS):
        futures = admin.list_offsets(
            {tp: spec for tp in partitions},
            isolation_level=IsolationLevel.READ_COMMITTED,
            request_timeout=_ADMIN_TIMEOUT,
        )
        # Every future must resolve before the admin client may go: librdkafka writes
        # into the others after the first error otherwise (a segfault, TRAPS.md).
        concurrent.futures.wait(futures.values(), _ADMIN_TIMEOUT)
        try:
            return {(tp.topic, tp.partition): f.result(0).offset for tp, f in futures.items()}
        except KafkaException as failure:
            if not worth_retrying(failure) or attempt == _OFFSET_ATTEMPTS - 1:
                raise KafkaUnreachableError(settings.bootstrap, failure.args[0].str()) from failure
            time.sleep(0.5)
    raise AssertionError("unreachable")


def _committed(
    settings: KafkaSettings, partitions: list[TopicPartition]
) -> dict[tuple[str, int], int]:
    """The hub group's committed offsets, asked by a consumer of the group that never joins it.

    Not AdminClient.list_consumer_group_offsets: librdkafka 2.x crashes (SIGSEGV in
    rd_kafka_cgrp_op) when that answer carries a coordinator error, as it does while a
    new broker's coordinator loads (seen here under gdb).
    """
    consumer = Consumer(
        {
            **settings.librdkafka_options(),
            "group.id": GROUP_ID,
            "enable.auto.commit": False,
            "logger": LOG,
        }
    )
    try:
        found = consumer.committed(partitions, timeout=_ADMIN_TIMEOUT)
    except KafkaException as failure:
        raise KafkaUnreachableError(settings.bootstrap, failure.args[0].str()) from failure
    finally:
        consumer.close()
    return {(tp.topic, tp.partition): tp.offset for tp in found}


def consumer_lag(settings: KafkaSettings) -> list[dict[str, Any]]:
    """Per ingress partition: the hub group's committed offset, the end and the lag.

    The end is the last stable offset (what a read_committed reader can reach). The
    agencies write ingress topics without transactions, so a caught-up partition's
    committed offset equals its end: no commit marker to discount. A partition the
    group never committed is read from its start (auto.offset.reset=earliest):
    `committed` is null and its lag counts from the earliest offset.
    """
    admin = admin_client(settings)
    partitions = _ingress_partitions(admin, settings)
    committed = _committed(settings, partitions)
    ends = _offsets(admin, settings, partitions, _END)
    starts = _offsets(admin, settings, partitions, _START)
    rows = []
    for tp in partitions:
        place = (tp.topic, tp.partition)
        offset = committed.get(place, -1)
        known = offset >= 0
        lag = ends[place] - (offset if known else starts[place])
        rows.append(
            {
                "topic": tp.topic,
                "partition": tp.partition,
                "committed": offset if known else None,
                "end": ends[place],
                "lag": max(0, lag),
            }
        )
    return rows


def hub_instances(settings: KafkaSettings) -> dict[str, Any]:
    """The hub group's state and its members; a member is `ready` when it holds at least
    one partition while the group is Stable (not in the middle of a rebalance)."""
    admin = admin_client(settings)
    [future] = admin.describe_consumer_groups([GROUP_ID], request_timeout=_ADMIN_TIMEOUT).values()
    try:
        # librdkafka ends the request itself after _ADMIN_TIMEOUT: wait a little longer, so
        # the admin client is never dropped with the request still open (TRAPS.md).
        group = future.result(_ADMIN_TIMEOUT + 5)
    except KafkaException as failure:
        # A new broker's group coordinator may still be loading: the counts are still
        # worth showing, so the instances are reported unknown rather than failing it all.
        problem = failure.args[0].str()
        return {"groupState": "Unknown", "instances": [], "instancesProblem": problem}
    state = _STATE_NAMES.get(group.state, str(group.state))
    instances = []
    for member in sorted(group.members, key=lambda m: m.member_id):
        held = sorted((tp.topic, tp.partition) for tp in member.assignment.topic_partitions)
        instances.append(
            {
                "memberId": member.member_id,
                "clientId": member.client_id,
                "host": member.host,
                "partitions": [f"{topic}/{partition}" for topic, partition in held],
                "ready": state == "Stable" and bool(held),
            }
        )
    return {"groupState": state, "instances": instances}
