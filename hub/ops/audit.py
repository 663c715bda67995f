"""`hub audit verify`: the audit log is unbroken and accounts for every event.

Three checks, each over what is committed in Kafka:
- chain: per partition of `hub.audit`, sequence numbers run 0, 1, 2, ...;
  each record's `previous` is the hash of the one before; each `hash` is
  SHA-256 over the previous hash and the record. The first broken link is
  reported with its sequence number.
- accounting: every ingress record (and every re-drive) ends in exactly one
  ACCEPT, REJECT or DEDUPE, or is still parked; its digest matches the bytes on
  the ingress topic, so the original cannot have been altered. An operator's
  action on a dead letter (a `hub.redrive` record with `hub_operator_action`)
  ends in OPERATOR, or REJECT when malformed, and nothing else does.
- deliveries: every delivery and receipt an audit record names is on its
  egress topic at the partition and offset given, with the same id; an
  event's recipients are those its route names (a retraction's or
  correction's: those its original went to); every REJECT's dead letter is
  where it says; every event with a readable envelope was receipted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from hub.kafka.io import ConsumedRecord, read_topic
from hub.kafka.topology import AGENCIES, AUDIT, DLQ, REDRIVE, egress, ingress
from hub.pipeline.audit import GENESIS, digest, record_hash
from hub.pipeline.operator import OPERATOR, is_operator_action
from hub.pipeline.route import Routes, UnknownRouteError
from hub.settings import KafkaSettings

FINAL = frozenset({"ACCEPT", "REJECT", "DEDUPE", OPERATOR})


@dataclass(frozen=True, slots=True)
class AuditProblem:
    check: str  # chain, accounting, deliveries or receipts
    partition: int | None
    sequence: int | None
    message: str


@dataclass(frozen=True)
class AuditReport:
    records: int
    chains: Mapping[int, int]  # partition -> records in its chain
    ingress_records: int
    accepted: int
    rejected: int
    deduplicated: int
    parked: int
    deliveries_checked: int
    problems: tuple[AuditProblem, ...] = field(default_factory=tuple)
    operator_actions: int = 0  # operators' actions on dead letters, audited as OPERATOR

    @property
    def ok(self) -> bool:
        return not self.problems


def chain_breaks(records: Sequence[ConsumedRecord]) -> list[AuditProblem]:
    """The first broken link of each partition's chain (records in offset order)."""
    problems = []
    by_partition: dict[int, list[ConsumedRecord]] = defaultdict(list)
    for record in records:
        by_partition[record.partition].append(record)
    for partition, chain in sorted(by_partition.items()):
        expected_sequence, previous = 0, GENESIS
        for record in sorted(chain, key=lambda r: r.offset):
            body = orjson.loads(record.value or b"{}")
            sequence, claimed = body.get("sequence"), body.pop("hash", None)
            problem = None
            if sequence != expected_sequence:
                problem = f"sequence {sequence} follows {expected_sequence - 1}"
            elif body.get("previous") != previous:
                problem = "its previous hash is not the hash of the record before it"
            elif claimed != record_hash(previous, body):
                problem = "its hash does not match its content (altered or forged)"
            if problem:
                message = f"hub.audit/{partition} offset {record.offset}: {problem}"
                problems.append(AuditProblem("chain", partition, sequence, message))
                break
            expected_sequence, previous = expected_sequence + 1, claimed
    return problems


def outcomes_by_ingress(
    audits: Iterable[dict[str, Any]],
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, dict[str, Any]]]:
    """Per ingress position (`topic/partition/offset`): its final outcomes (ACCEPT,
    REJECT, DEDUPE) and its PARK record. A position parked with no final outcome is
    still waiting for its reference (`hub parked`)."""
    final: dict[str, list[dict[str, Any]]] = defaultdict(list)
    parked: dict[str, dict[str, Any]] = {}
    for audit in audits:
        if audit["action"] in FINAL:
            final[audit["ingress"]].append(audit)
        elif audit["action"] == "PARK":
            parked[audit["ingress"]] = audit  # alert repeats and escalations have no ingress
    return final, parked


def _accounting(
    audits: Iterable[dict[str, Any]], ingress_records: Sequence[ConsumedRecord]
) -> tuple[list[AuditProblem], dict[str, int]]:
    final, parked = outcomes_by_ingress(audits)
    problems = []
    counts = {"ACCEPT": 0, "REJECT": 0, "DEDUPE": 0, OPERATOR: 0, "parked": 0}
    for record in ingress_records:
        position = f"{record.topic}/{record.partition}/{record.offset}"
        outcomes = final.get(position, [])
        if len(outcomes) == 1:
            [outcome] = outcomes
            counts[outcome["action"]] += 1
            problem = _outcome_problem(record, outcome)
            if problem is not None:
                message = f"{position}: {problem}"
                problems.append(AuditProblem("accounting", None, outcome["sequence"], message))
        elif not outcomes and position in parked:
            counts["parked"] += 1
        else:
            what = "no outcome" if not outcomes else f"{len(outcomes)} outcomes"
            problems.append(AuditProblem("accounting", None, None, f"{position}: {what}"))
    return problems, counts


def _outcome_problem(record: ConsumedRecord, outcome: Mapping[str, Any]) -> str | None:
    """Why `outcome` cannot be the final word on `record`, if it cannot."""
    if outcome["digest"] != digest(record.value):
        return "digest differs from the record"
    if is_operator_action(record) and outcome["action"] not in (OPERATOR, "REJECT"):
        return f"an operator's action ended in {outcome['action']}"
    if outcome["action"] == OPERATOR and not is_operator_action(record):
        return "an OPERATOR record for a record that is no operator's action"
    return None


def _deliveries(
    audits: Iterable[dict[str, Any]], placed: Mapping[str, bytes | None], routes: Routes
) -> tuple[list[AuditProblem], int]:
    problems, checked = [], 0
    for audit in audits:
        named = [
            *audit.get("deliveries", []),
            *audit.get("receipts", []),
            *([audit["dlq"]] if "dlq" in audit else []),
        ]
        for entry in named:
            checked += 1
            where = f"{entry['topic']}/{entry.get('partition')}/{entry.get('offset')}"
            named_id = entry.get("eventId", entry.get("receiptId"))
            wrong_event = named_id is not None and placed.get(where) != named_id.encode()
            if where not in placed or wrong_event:
                problems.append(
                    AuditProblem(
                        "deliveries",
                        None,
                        audit["sequence"],
                        f"{audit['eventId']}: nothing matching at {where}",
                    )
                )
        if "receipts" in audit and audit.get("eventId") and not audit["receipts"]:
            message = f"{audit['eventId']}: its sender got no receipt"
            problems.append(AuditProblem("receipts", None, audit["sequence"], message))
    accepted = {a["eventId"]: a for a in audits if a["action"] == "ACCEPT"}
    for audit in accepted.values():
        problems += _route_problems(audit, routes, accepted)
    return problems, checked


def _recipients(audit: Mapping[str, Any]) -> set[str]:
    return {d["recipient"] for d in audit.get("deliveries", []) if d["eventId"] == audit["eventId"]}


def _route_problems(
    audit: Mapping[str, Any], routes: Routes, accepted: Mapping[str, Mapping[str, Any]]
) -> list[AuditProblem]:
    """An event went where its route says; a retraction or correction where its original went."""
    type_name = (audit.get("type") or "").removeprefix("no.justice.")
    got = _recipients(audit)
    if (original_id := audit.get("amends")) is not None:
        original = accepted.get(original_id)
        due = _recipients(original) if original is not None else set()
        rule = f"the original {original_id} went to {sorted(due)}"
    else:
        try:
            due = {r.agency for r in routes.route_for(type_name).recipients}
        except UnknownRouteError:
            message = f"no route for {type_name}"
            return [AuditProblem("deliveries", None, audit["sequence"], message)]
        rule = f"its route names {sorted(due)}"
    if got == due:
        return []
    message = f"{audit['eventId']} ({type_name}) went to {sorted(got)}, {rule}"
    return [AuditProblem("deliveries", None, audit["sequence"], message)]


def verify_audit(
    settings: KafkaSettings, routes: Routes, *, case_ids: Collection[str] | None = None
) -> AuditReport:
    """Read the audit log, the ingress, egress and DLQ topics, and check them against each other.

    With `case_ids`, accounting and deliveries are checked for those cases only
    (records keyed by them; an event too broken to name its case is not among
    them); the chains are always checked whole.
    """
    keys = None if case_ids is None else {case_id.encode() for case_id in case_ids}
    records = read_topic(settings, AUDIT)
    audits = [orjson.loads(r.value or b"{}") for r in records if keys is None or r.key in keys]
    ingress_records = [
        r for t in [*map(ingress, AGENCIES), REDRIVE] for r in read_topic(settings, t, keys=keys)
    ]
    # Egress records carry the event id in ce_id; a dead letter only needs to be there.
    placed = {
        f"{r.topic}/{r.partition}/{r.offset}": r.header("ce_id")
        for t in [*map(egress, AGENCIES), DLQ]
        for r in read_topic(settings, t, keys=keys)
    }
    problems = chain_breaks(records)
    accounting, counts = _accounting(audits, ingress_records)
    delivery_problems, checked = _deliveries(audits, placed, routes)
    chains: dict[int, int] = defaultdict(int)
    for record in records:
        chains[record.partition] += 1
    return AuditReport(
        records=len(records),
        chains=dict(chains),
        ingress_records=len(ingress_records),
        accepted=counts["ACCEPT"],
        rejected=counts["REJECT"],
        deduplicated=counts["DEDUPE"],
        parked=counts["parked"],
        deliveries_checked=checked,
        operator_actions=counts[OPERATOR],
        problems=tuple(problems + accounting + delivery_problems),
    )
