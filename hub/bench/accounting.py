"""Lost and duplicated events, counted by comparing what was produced with what was read.

Pass-through: every measured record's `ce_id` must be copied exactly as often
as it was produced (a resend is produced twice, so copied twice).

Hub: what the routes make due (hub.demo.expectations) against what was read
back with `read_committed`: a delivery per recipient and accepted event
(`ce_id` on `egress.*`), a dead letter per rejected event (`eventId` on
`hub.dlq`), and a final audit record (ACCEPT, REJECT or DEDUPE) per event sent.
Missing ones are lost; any second copy is a duplicate.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from hub.demo.expectations import expectations
from hub.demo.run import FINAL_ACTIONS, SentEvent
from hub.kafka.io import ConsumedRecord
from hub.pipeline.route import Routes

ALERT_TYPE = b"no.justice.victim.alert"


@dataclass(frozen=True, slots=True)
class Tally:
    lost: int
    duplicates: int
    details: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"lost": self.lost, "duplicates": self.duplicates, **self.details}


def compare(expected: Counter[Any], found: Counter[Any]) -> tuple[int, int]:
    """(lost, duplicates): copies expected but not found, and found beyond those expected."""
    lost = sum(max(0, count - found[item]) for item, count in expected.items())
    extra = sum(max(0, count - expected[item]) for item, count in found.items() if item in expected)
    return lost, extra


def _ours(records: Iterable[ConsumedRecord], keys: Collection[bytes]) -> list[ConsumedRecord]:
    return [r for r in records if r.key in keys]


def _value(record: ConsumedRecord) -> dict[str, Any]:
    loaded: dict[str, Any] = orjson.loads(record.value or b"{}")
    return loaded


def passthrough_tally(
    produced: Sequence[SentEvent], copies: Iterable[ConsumedRecord], keys: Collection[bytes]
) -> Tally:
    expected = Counter(item.event.event_id for item in produced)
    found = Counter(
        event_id
        for r in _ours(copies, keys)
        if (event_id := (r.header("ce_id") or b"").decode()) in expected
    )
    lost, duplicates = compare(expected, found)
    return Tally(lost, duplicates, {"copied": sum(found[e] for e in expected)})


def hub_tally(
    routes: Routes,
    *,
    sent: Sequence[SentEvent],
    egress: Iterable[ConsumedRecord],
    dlq: Iterable[ConsumedRecord],
    audit: Iterable[ConsumedRecord],
    keys: Collection[bytes],
) -> Tally:
    """Lost and duplicated outputs of `sent`; records of other runs or tools are ignored
    (on a shared broker another case may have the same case id, never the same event id)."""
    due = expectations(routes, sent)
    ours = {item.event.event_id for item in sent}
    deliveries: Counter[tuple[str, str]] = Counter()
    alerts: Counter[bytes | None] = Counter()
    for r in _ours(egress, keys):
        if r.header("ce_type") == ALERT_TYPE:
            if _value(r).get("trigger", {}).get("eventId") in ours:
                alerts[r.header("ce_id")] += 1
        elif (event_id := (r.header("ce_id") or b"").decode()) in ours:
            deliveries[r.topic.removeprefix("egress."), event_id] += 1
    delivery = compare(Counter(due.deliveries), deliveries)
    rejected = Counter(s.event.event_id for s in sent if s.event.expect == "REJECT")
    letters = compare(rejected, Counter(_value(r).get("eventId") for r in _ours(dlq, keys)))
    finals = [
        a
        for a in map(_value, _ours(audit, keys))
        if a.get("action") in FINAL_ACTIONS and a.get("eventId") in ours
    ]
    audited = compare(
        Counter(s.event.event_id for s in sent), Counter(a.get("eventId") for a in finals)
    )
    alert_copies = sum(count - 1 for count in alerts.values())
    alerts_lost = max(0, due.victim_alerts - len(alerts))
    return Tally(
        lost=delivery[0] + letters[0] + audited[0] + alerts_lost,
        duplicates=delivery[1] + letters[1] + audited[1] + alert_copies,
        details={
            "deliveries": sum(deliveries.values()),
            "deliveries_due": len(due.deliveries),
            "dead_letters": sum(rejected.values()) - letters[0],
            "victim_alerts": sum(alerts.values()),
            "victim_alerts_due": due.victim_alerts,
            "audited": len(finals),
            "unexpected_deliveries": len(set(deliveries) - due.deliveries),
        },
    )
