"""The accounting invariant on the real broker, checked by counting.

Every ingress offset ends in exactly one final audit action (ACCEPT, REJECT or
DEDUPE, after one PARK for an event that waited for its case); every ACCEPT's
deliveries are on the egress topics exactly once; every REJECT is in `hub.dlq`
once; and each partition's audit chain is unbroken over the test's records.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import pytest

from hub.kafka.io import ConsumedRecord, read_topic
from hub.kafka.service import HubService
from hub.kafka.topology import AGENCIES, AUDIT, DLQ, egress, ingress
from hub.pipeline.audit import record_hash
from hub.settings import KafkaSettings
from tests.events import (
    Event,
    case_registered,
    event,
    judgment_final,
    koda_event,
    new_case_id,
    notification_requested,
)
from tests.integration.conftest import TEST_PARK_TIMEOUT_MS
from tests.kafka_io import send

pytestmark = pytest.mark.integration

FINAL = frozenset({"ACCEPT", "REJECT", "DEDUPE"})
RECEIPT = b"no.justice.hub.receipt"  # receipts to senders are not deliveries of the event


def _with_headers(item: Event, **replace: bytes | None) -> Event:
    headers = [(k, v) for k, v in item.headers if k not in replace]
    headers += [(k, v) for k, v in replace.items() if v is not None]
    return dataclasses.replace(item, headers=headers)


def _bad_events() -> list[Event]:
    """One event for each reason the hub refuses an event at once, each on a case of its own."""
    decode, envelope, spoofed, unknown, version, schema, oversize = (
        case_registered(new_case_id()) for _ in range(7)
    )
    wrong_digit = json.loads(schema.value)
    number = wrong_digit["suspect"]["nationalIdentityNumber"]
    wrong_digit["suspect"]["nationalIdentityNumber"] = number[:-1] + str((int(number[-1]) + 1) % 10)
    courts = "urn:no:justice:courts"
    return [
        dataclasses.replace(decode, value=b"{not json"),
        _with_headers(envelope, ce_id=None),
        event("case.registered", 2, "police", json.loads(spoofed.value), source=courts),
        _with_headers(
            unknown,
            ce_type=b"no.justice.case.invented",
            ce_dataschema=b"urn:no:justice:schema:case.invented:1",
        ),
        _with_headers(version, ce_dataschema=b"urn:no:justice:schema:case.registered:9"),
        event("case.registered", 2, "police", wrong_digit),
        dataclasses.replace(oversize, value=b" " * 300_000 + oversize.value),
    ]


def _mixed_batch() -> list[Event]:
    """Valid events on three topics, duplicates, bad events, and one case never registered."""
    whole, resent, never = new_case_id(), new_case_id(), new_case_id()
    registration, orphan = case_registered(resent), judgment_final(never)
    return [
        case_registered(whole),
        notification_requested(whole, "V001", ["ESCAPE"]),
        judgment_final(whole),  # courts and KODA: parked or not, depending on the race
        koda_event("escape.reported", "closed-prison-high-risk", whole),
        *[registration] * 3,
        *[orphan] * 2,  # parked, then rejected; its resend is a duplicate meanwhile
        *_bad_events(),
    ]


EXPECTED_FINALS = {"ACCEPT": 5, "DEDUPE": 3, "REJECT": 8}  # for _mixed_batch


def _json(record: ConsumedRecord) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(record.value or b"null")
    return loaded


def _position(topic: str, partition: int, offset: int) -> str:
    return f"{topic}/{partition}/{offset}"


@dataclass(frozen=True)
class Ledger:
    """What the test wrote to the ingress topics and everything the hub wrote about it."""

    positions: list[str]  # topic/partition/offset of each ingress record the test wrote
    audit: list[ConsumedRecord]  # the whole of hub.audit
    dlq: list[ConsumedRecord]  # the whole of hub.dlq
    egress: dict[str, list[ConsumedRecord]]  # per egress topic, the test's cases only

    def actions(self) -> dict[str, list[dict[str, Any]]]:
        """The audit records of each of the test's ingress positions, in log order."""
        found: dict[str, list[dict[str, Any]]] = {position: [] for position in self.positions}
        for record in self.audit:
            audit = _json(record)
            if audit.get("ingress") in found:
                found[audit["ingress"]].append(audit)
        return found


def _all_decided(positions: Iterable[str]) -> Callable[[Sequence[ConsumedRecord]], bool]:
    """A `done` for read_topic: each position has a final audit action among the records."""
    waiting, read = set(positions), [0]

    def done(records: Sequence[ConsumedRecord]) -> bool:
        for audit in map(_json, records[read[0] :]):
            if audit["action"] in FINAL:
                waiting.discard(audit.get("ingress"))
        read[0] = len(records)
        return not waiting

    return done


@pytest.fixture(scope="module")
def ledger(hub: HubService, topics: KafkaSettings) -> Ledger:
    batch = _mixed_batch()
    send(topics, batch)
    keys = {item.key for item in batch}
    written = [r for agency in AGENCIES for r in read_topic(topics, ingress(agency), keys=keys)]
    positions = [_position(r.topic, r.partition, r.offset) for r in written]
    assert len(positions) == len(batch), "every event sent is on its ingress topic once"
    timeout = TEST_PARK_TIMEOUT_MS / 1000 + 30
    read_topic(topics, AUDIT, done=_all_decided(positions), timeout=timeout)
    # Deliveries and dead letters are committed with their audit record: all readable now.
    return Ledger(
        positions,
        audit=read_topic(topics, AUDIT),
        dlq=read_topic(topics, DLQ),
        egress={egress(a): read_topic(topics, egress(a), keys=keys) for a in AGENCIES},
    )


def _settled(actions: list[str]) -> bool:
    """One final action, after one PARK at most."""
    return bool(actions) and actions[-1] in FINAL and actions[:-1] in ([], ["PARK"])


def test_every_ingress_offset_ends_in_exactly_one_final_action(ledger: Ledger) -> None:
    actions = {p: [audit["action"] for audit in a] for p, a in ledger.actions().items()}

    assert {p: a for p, a in actions.items() if not _settled(a)} == {}
    assert Counter(a[-1] for a in actions.values()) == EXPECTED_FINALS


def test_every_accept_is_delivered_exactly_once_and_nothing_else_is(ledger: Ledger) -> None:
    named = Counter(
        (delivery["topic"], delivery["eventId"])
        for audits in ledger.actions().values()
        for audit in audits
        if audit["action"] == "ACCEPT"
        for delivery in audit["deliveries"]
    )
    delivered = Counter(
        (topic, (record.header("ce_id") or b"").decode())
        for topic, records in ledger.egress.items()
        for record in records
        if record.header("ce_type") != RECEIPT
    )

    assert set(named.values()) == {1}
    assert delivered == named


def test_the_records_the_audit_names_by_position_are_there(ledger: Ledger) -> None:
    """Every delivery and dead letter an audit record names is at the offset it gives."""
    written = {
        _position(r.topic, r.partition, r.offset): r
        for r in [*ledger.dlq, *(r for rs in ledger.egress.values() for r in rs)]
    }
    named = [
        (audit, entry)
        for audits in ledger.actions().values()
        for audit in audits
        for entry in [*audit.get("deliveries", ()), *([audit["dlq"]] if "dlq" in audit else [])]
    ]
    assert named, "the batch made no delivery and no dead letter"
    for audit, entry in named:
        record = written[_position(entry["topic"], entry["partition"], entry["offset"])]
        if audit["action"] == "ACCEPT":
            assert record.header("ce_id") == entry["eventId"].encode()
        else:
            original = _json(record)["original"]
            position = _position(original["topic"], original["partition"], original["offset"])
            assert position == audit["ingress"]


def test_every_reject_has_one_dead_letter_at_the_same_ingress_position(ledger: Ledger) -> None:
    rejected = {
        position: audits[-1]["reason"]
        for position, audits in ledger.actions().items()
        if audits and audits[-1]["action"] == "REJECT"
    }
    dead = Counter(
        (_position(o["topic"], o["partition"], o["offset"]), letter["reason"])
        for letter in map(_json, ledger.dlq)
        for o in [letter["original"]]
        if _position(o["topic"], o["partition"], o["offset"]) in ledger.positions
    )

    assert dead == Counter(rejected.items())
    assert "REFERENCE_NOT_FOUND" in rejected.values()


def _chain_breaks(records: list[ConsumedRecord]) -> list[str]:
    """Every record whose hash, link or sequence number does not follow from the one before."""
    breaks = []
    for record in records:
        body = _json(record)
        if (
            record_hash(body["previous"], {k: v for k, v in body.items() if k != "hash"})
            != body["hash"]
        ):
            breaks.append(f"{record.partition}/{record.offset}: hash does not match its body")
    for prior, record in pairwise(map(_json, records)):
        if (record["previous"], record["sequence"]) != (prior["hash"], prior["sequence"] + 1):
            breaks.append(f"sequence {record['sequence']}: does not follow {prior['sequence']}")
    return breaks


def test_each_partitions_audit_chain_is_unbroken_over_the_test_records(ledger: Ledger) -> None:
    ours = {position for position in ledger.positions}
    by_partition: dict[int, list[ConsumedRecord]] = defaultdict(list)
    for record in ledger.audit:
        by_partition[record.partition].append(record)
    checked = 0
    for records in by_partition.values():
        mine = [i for i, r in enumerate(records) if _json(r).get("ingress") in ours]
        if mine:
            # From the record before the test's first, so the link into it is checked too.
            span = records[max(mine[0] - 1, 0) : mine[-1] + 1]
            assert _chain_breaks(span) == []
            checked += len(mine)
    assert checked == sum(len(a) for a in ledger.actions().values())
