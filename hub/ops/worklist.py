"""The operators' work list: each dead letter, what operators did to it, and where it stands.

Derived, never stored: `hub.dlq` holds the dead letters, `hub.redrive` the
re-drives and operators' actions on them (header `hub_redrive_of` names the
dead letter), and `hub.audit` the hub's decision on each re-drive (its
`ingress` is the re-drive's position). The console and `hub dlq` both read it
through `work_items`, so there is one answer to "who holds this, and is it done".

A lock expires after `LOCK_EXPIRES_AFTER_MS`: a lock forgotten at the end of a
night shift must not keep the next operator out. Its holder's UNLOCK, a CLOSE
or a re-drive ends it earlier.
"""

from __future__ import annotations

import enum
import time
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from hub.envelope import TYPE_PREFIX
from hub.kafka.io import ConsumedRecord, read_topic
from hub.kafka.topology import AUDIT, DLQ, REDRIVE
from hub.ops.dlq import DeadLetter, dead_letters, find_dead_letter
from hub.ops.operator_actions import OperatorAction, operator_action_record
from hub.ops.times import utc_text
from hub.pipeline.audit import digest
from hub.pipeline.operator import is_operator_action, operator_action
from hub.pipeline.outcomes import Rejection
from hub.pipeline.ownership import agency_of
from hub.pipeline.records import REDRIVE_BY_HEADER, REDRIVE_OF_HEADER, header
from hub.settings import KafkaSettings

__all__ = [
    "DONE",
    "LOCK_EXPIRES_AFTER_MS",
    "NOT_DONE",
    "HistoryEntry",
    "Lock",
    "OperatorAction",  # what operators do, and the record saying so: for the console and CLI
    "Placed",
    "RedriveOutcome",
    "WorkItem",
    "WorkState",
    "lock_problem",
    "operator_action_record",
    "selected",
    "utc_clock",
    "work_item",
    "work_items",
    "work_items_from",
]

LOCK_EXPIRES_AFTER_MS = 30 * 60_000
_DECISIONS = frozenset({"ACCEPT", "DEDUPE", "REJECT", "PARK"})  # PARK: the hub still waits
Audit = Mapping[str, Any]  # a parsed hub.audit record
_SHOWN_HEADERS = frozenset(
    {"ce_id", "ce_source", "ce_type", "ce_subject", "ce_dataschema", "ce_specversion", "ce_time"}
)


class WorkState(enum.StrEnum):
    OPEN = "OPEN"
    LOCKED = "LOCKED"
    REDRIVEN = "REDRIVEN"  # sent through the hub again; it has not decided yet
    DELIVERED = "DELIVERED"  # the re-drive was accepted
    REJECTED_AGAIN = "REJECTED_AGAIN"  # the re-drive was rejected: a new dead letter
    CLOSED = "CLOSED"  # closed by an operator, with a note


NOT_DONE = frozenset({WorkState.OPEN, WorkState.LOCKED, WorkState.REDRIVEN})
DONE = frozenset(WorkState) - NOT_DONE


def utc_clock(at_ms: int) -> str:
    """`HH:MM UTC`: how a night shift tells times apart."""
    return utc_text(at_ms, "%H:%M UTC")


@dataclass(frozen=True, slots=True)
class Lock:
    operator: str
    since_ms: int

    @property
    def expires_at_ms(self) -> int:
        return self.since_ms + LOCK_EXPIRES_AFTER_MS

    def held_at(self, now_ms: int) -> bool:
        return now_ms < self.expires_at_ms


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One thing that happened to a dead letter: an operator's action or the hub's decision.

    `what`: LOCK, UNLOCK, CLOSE, REVEAL, REDRIVE, MALFORMED (an action the hub
    rejected), or the hub's ACCEPT, DEDUPE, REJECT or PARK of a re-drive.
    """

    at_ms: int
    what: str
    operator: str | None
    detail: str | None = None  # identifiers and codes only
    note: str | None = None  # a close's note: may hold personal data, so not in summary()

    def summary(self) -> dict[str, Any]:
        return {
            "atMs": self.at_ms,
            "what": self.what,
            "operator": self.operator,
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class Placed:
    """Where the hub wrote a re-driven event for one recipient."""

    recipient: str
    topic: str
    partition: int | None
    offset: int | None
    event_id: str | None

    @property
    def position(self) -> str:
        return f"{self.topic}/{self.partition}/{self.offset}"


@dataclass(frozen=True, slots=True)
class RedriveOutcome:
    """The hub's decision on a re-drive: its deliveries, or the new dead letter and why."""

    decision: str  # ACCEPT, DEDUPE or REJECT
    redrive: str  # the re-drive's position, hub.redrive/<partition>/<offset>
    decided_at_ms: int
    deliveries: tuple[Placed, ...] = ()
    dead_letter: str | None = None  # "partition/offset" in hub.dlq
    reason: str | None = None

    @property
    def recipients(self) -> list[str]:
        return sorted({d.recipient for d in self.deliveries})

    def summary(self) -> dict[str, Any]:
        return {
            "decision": self.decision,
            "redrive": self.redrive,
            "decidedAtMs": self.decided_at_ms,
            "recipients": self.recipients,
            "deliveries": [
                {"recipient": d.recipient, "position": d.position, "eventId": d.event_id}
                for d in self.deliveries
            ],
            "deadLetter": self.dead_letter,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class WorkItem:
    letter: DeadLetter
    agency: str | None  # the owner of the ingress topic it first came on
    state: WorkState
    lock: Lock | None
    history: tuple[HistoryEntry, ...]  # oldest first
    outcome: RedriveOutcome | None = None

    @property
    def position(self) -> str:
        return self.letter.position

    @property
    def done(self) -> bool:
        return self.state in DONE

    def summary(self) -> dict[str, Any]:
        """JSON-able and free of personal data: no payload, no note, header ids only."""
        lock = self.lock
        return self.letter.summary() | {
            "agency": self.agency,
            "state": self.state.value,
            "lock": None
            if lock is None
            else {
                "operator": lock.operator,
                "sinceMs": lock.since_ms,
                "expiresAtMs": lock.expires_at_ms,
            },
            "headers": {
                name: (value or b"").decode(errors="replace")
                for name, value in self.letter.original_headers
                if name in _SHOWN_HEADERS
            },
            "history": [entry.summary() for entry in self.history],
            "outcome": None if self.outcome is None else self.outcome.summary(),
        }


def _outcome(redrive: str, audit: Audit) -> RedriveOutcome:
    dlq = audit.get("dlq")
    return RedriveOutcome(
        decision=audit["action"],
        redrive=redrive,
        decided_at_ms=audit["time_ms"],
        deliveries=tuple(
            Placed(
                d["recipient"], d["topic"], d.get("partition"), d.get("offset"), d.get("eventId")
            )
            for d in audit.get("deliveries", [])
        ),
        dead_letter=None if dlq is None else f"{dlq.get('partition')}/{dlq.get('offset')}",
        reason=audit.get("reason"),
    )


class _Fold:
    """One dead letter's story, told record by record in the order they were written."""

    def __init__(self, letter: DeadLetter) -> None:
        self.letter = letter
        self.state = WorkState.OPEN  # OPEN, REDRIVEN or done; LOCKED is decided at the end
        self.lock: Lock | None = None
        self.history: list[HistoryEntry] = []
        self.outcome: RedriveOutcome | None = None

    def acted(self, record: ConsumedRecord) -> None:
        at = record.timestamp_ms
        acted = operator_action(record)
        if isinstance(acted, Rejection):
            by = header(record.headers, REDRIVE_BY_HEADER)
            self.history.append(HistoryEntry(at, "MALFORMED", by, acted.message))
            return
        operator, detail = acted.operator, None
        match acted.action:
            case OperatorAction.LOCK:
                detail = self._locked(operator, at)
            case OperatorAction.UNLOCK:
                if self.lock is not None and self.lock.operator == operator:
                    self.lock = None
                else:
                    detail = "not theirs to unlock"
            case OperatorAction.CLOSE:
                self.state, self.lock = WorkState.CLOSED, None
            case OperatorAction.REVEAL:
                detail = acted.field
        self.history.append(HistoryEntry(at, acted.action.value, operator, detail, acted.note))

    def _locked(self, operator: str, at: int) -> str | None:
        """Take the lock, unless someone else holds it or there is nothing left to do."""
        if self.state is not WorkState.OPEN:
            return f"not taken: {self.state.value.lower()}"
        held = self.lock
        if held is not None and held.operator != operator and held.held_at(at):
            return f"not taken: locked by {held.operator} since {utc_clock(held.since_ms)}"
        self.lock = Lock(operator, at)
        if held is not None and held.operator != operator:
            return f"took over the expired lock of {held.operator}"
        return None

    def redriven(self, record: ConsumedRecord, decisions: Mapping[str, list[Audit]]) -> None:
        fixed = digest(record.value) != digest(self.letter.original_value)
        by = header(record.headers, REDRIVE_BY_HEADER)
        what = "a fixed value" if fixed else "unchanged"
        self.history.append(HistoryEntry(record.timestamp_ms, "REDRIVE", by, what))
        self.state, self.lock = WorkState.REDRIVEN, None
        for audit in decisions.get(record.position, []):
            self._decided(record.position, audit)

    def _decided(self, redrive: str, audit: Audit) -> None:
        at = audit["time_ms"]
        if audit["action"] == "PARK":
            self.history.append(HistoryEntry(at, "PARK", None, "waiting for the case"))
            return
        self.outcome = outcome = _outcome(redrive, audit)
        if outcome.decision == "REJECT":
            self.state = WorkState.REJECTED_AGAIN
            detail = f"{outcome.reason}: new dead letter {DLQ}/{outcome.dead_letter}"
        elif outcome.decision == "DEDUPE":
            self.state = WorkState.DELIVERED
            detail = "the hub had accepted the event already"
        else:
            self.state = WorkState.DELIVERED
            detail = f"to {', '.join(outcome.recipients)}"
        self.history.append(HistoryEntry(at, outcome.decision, None, detail))

    def item(self, now_ms: int) -> WorkItem:
        lock = self.lock if self.lock is not None and self.lock.held_at(now_ms) else None
        state = self.state
        if state is WorkState.OPEN and lock is not None:
            state = WorkState.LOCKED
        history = tuple(sorted(self.history, key=lambda entry: entry.at_ms))
        agency = agency_of(self.letter.original_topic)
        return WorkItem(self.letter, agency, state, lock, history, self.outcome)


def _decisions(audit_records: Iterable[Audit]) -> dict[str, list[Audit]]:
    """The hub's decisions on each re-drive by its position: PARK, then the final one."""
    decisions: dict[str, list[Audit]] = defaultdict(list)
    for audit in audit_records:
        if audit.get("redriveOf") is not None and audit.get("action") in _DECISIONS:
            decisions[audit["ingress"]].append(audit)
    for decided in decisions.values():
        decided.sort(key=lambda audit: audit["sequence"])
    return decisions


def work_items_from(
    letters: Iterable[DeadLetter],
    redrive_records: Iterable[ConsumedRecord],
    audit_records: Iterable[Audit],
    now_ms: int,
) -> list[WorkItem]:
    """Each dead letter's work item, in the order of `letters`.

    `audit_records` are parsed `hub.audit` values; only re-drive decisions matter.
    Records of one dead letter share a key, so one partition: offset order is write order.
    """
    about: dict[str, list[ConsumedRecord]] = defaultdict(list)
    for record in redrive_records:
        target = header(record.headers, REDRIVE_OF_HEADER) or ""
        about[target.removeprefix(f"{DLQ}/")].append(record)
    decisions = _decisions(audit_records)
    items = []
    for letter in letters:
        fold = _Fold(letter)
        for record in sorted(about.get(letter.position, []), key=lambda r: (r.partition, r.offset)):
            if is_operator_action(record):
                fold.acted(record)
            else:
                fold.redriven(record, decisions)
        items.append(fold.item(now_ms))
    return items


def selected(
    items: Iterable[WorkItem],
    now_ms: int,
    *,
    agency: str | None = None,
    reason: str | None = None,
    type_: str | None = None,
    older_than_s: float | None = None,
    states: Collection[WorkState] | None = None,
) -> list[WorkItem]:
    """The items matching every filter given; `states` defaults to those not done."""
    wanted = NOT_DONE if states is None else frozenset(states)
    full_type = None if type_ is None else TYPE_PREFIX + type_.removeprefix(TYPE_PREFIX)
    return [
        item
        for item in items
        if item.state in wanted
        and (agency is None or item.agency == agency)
        and (reason is None or item.letter.reason == reason)
        and (full_type is None or item.letter.type == full_type)
        and (older_than_s is None or now_ms - item.letter.timestamp_ms >= older_than_s * 1000)
    ]


def _now_ms() -> int:
    return int(time.time() * 1000)


def _read(settings: KafkaSettings, letters: Sequence[DeadLetter], now_ms: int) -> list[WorkItem]:
    redrives = read_topic(settings, REDRIVE)
    # Only re-drive decisions matter: skip parsing the rest of the audit log.
    audits = (
        orjson.loads(r.value)
        for r in read_topic(settings, AUDIT)
        if r.value is not None and b'"redriveOf"' in r.value
    )
    return work_items_from(letters, redrives, audits, now_ms)


def work_items(
    settings: KafkaSettings,
    *,
    agency: str | None = None,
    reason: str | None = None,
    type_: str | None = None,
    older_than_s: float | None = None,
    states: Collection[WorkState] | None = None,
    case_id: str | None = None,
    source: str | None = None,
    now_ms: int | None = None,
) -> list[WorkItem]:
    """The work list, oldest dead letter first; by default only what is not done
    (OPEN, LOCKED, REDRIVEN). `type_` with or without the `no.justice.` prefix."""
    now = _now_ms() if now_ms is None else now_ms
    letters = dead_letters(settings, reason=reason, case_id=case_id, source=source)
    return selected(
        _read(settings, letters, now),
        now,
        agency=agency,
        reason=reason,
        type_=type_,
        older_than_s=older_than_s,
        states=states,
    )


def work_item(settings: KafkaSettings, position: str, now_ms: int | None = None) -> WorkItem | None:
    """The work item of the dead letter at `partition/offset` in hub.dlq, if there is one."""
    letter = find_dead_letter(settings, position)
    if letter is None:
        return None
    [item] = _read(settings, [letter], _now_ms() if now_ms is None else now_ms)
    return item


def lock_problem(item: WorkItem, operator: str, now_ms: int) -> str | None:
    """Why `operator` may not act on `item` now (someone else holds it, or it is done);
    None when they may."""
    where = f"{DLQ} {item.position}"
    lock = item.lock
    if item.state is WorkState.REDRIVEN:
        return f"{where} was re-driven; the hub has not decided it yet"
    if item.state is WorkState.CLOSED:
        closed = next(e for e in reversed(item.history) if e.what == OperatorAction.CLOSE)
        return f"{where} was closed by {closed.operator} at {utc_clock(closed.at_ms)}"
    if item.state is WorkState.DELIVERED:
        return f"{where} was re-driven and delivered; nothing is left to do"
    if item.state is WorkState.REJECTED_AGAIN:
        assert item.outcome is not None
        return f"{where} was re-driven and rejected again: work {DLQ} {item.outcome.dead_letter}"
    if lock is not None and lock.operator != operator and lock.held_at(now_ms):
        return (
            f"{where} is locked by {lock.operator} since {utc_clock(lock.since_ms)} "
            f"(until {utc_clock(lock.expires_at_ms)} unless they unlock it)"
        )
    return None
