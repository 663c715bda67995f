"""The events a benchmark sends: the demo's realistic mix, at any size.

Each case follows the demo's scenario (hub.demo.scenario): police register it,
the court judges, KODA admits, executes and releases; every tenth case from the
fourth on carries a broken leave (SCHEMA_INVALID), every tenth from the seventh
a resend (deduplicated), and every twentieth case a trio of bad senders
(malformed, spoofed, schema violation), as in a default demo run of 20 cases.

The cases are registered before the measured events are sent (`setup`), so
no measured event is parked waiting for its case: parking measures the wait
timeout, not the hub. The measured mix still holds registrations, in the
demo's proportion, of other cases that have no later events in the run.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import orjson

from hub.catalogue.catalogue import Catalogue
from hub.demo.run import SentEvent
from hub.demo.scenario import Example, bad_senders, case_scenario, examples_of
from hub.envelope import new_envelope, to_headers
from hub.kafka.topology import ingress
from hub.pipeline.records import OutgoingRecord
from hub.signing import EventSigner

CONTENT_SEED = 2026  # the demo's default: the same people and offences in every run
BAD_SENDERS_EVERY = 20  # cases; the demo sends one trio in a default run of 20 cases


@dataclass(frozen=True, slots=True)
class Workload:
    """What one benchmark run sends, in parts."""

    setup: tuple[SentEvent, ...]  # registrations the hub processes before any timing
    rounds: tuple[tuple[SentEvent, ...], ...]  # each round's events, for raw and hub
    latency: tuple[SentEvent, ...]  # offered at a fixed rate through the hub
    raw_latency: tuple[SentEvent, ...]  # offered at that rate through the pass-through

    @property
    def measured(self) -> tuple[SentEvent, ...]:
        return tuple(item for part in self.rounds for item in part)

    @property
    def sent(self) -> tuple[SentEvent, ...]:
        return (*self.setup, *self.measured, *self.latency, *self.raw_latency)

    @property
    def keys(self) -> frozenset[bytes]:
        """Every case id of the run as a record key: what the benchmark reads back."""
        return frozenset(item.case_id.encode() for item in self.sent)


def ingress_record(item: SentEvent, signers: Mapping[str, EventSigner]) -> OutgoingRecord:
    """The record an agency's connector writes for `item` (binary-mode CloudEvent), signed
    by the organisation its source names (a spoofing sender signs as whom it claims)."""
    event = item.event
    source = event.source or f"urn:no:justice:{event.agency}"
    envelope = new_envelope(
        event.type_name, event.version, source, item.case_id, event_id=event.event_id
    )
    value = event.raw if event.raw is not None else orjson.dumps(event.data)
    headers = signers[envelope.source_org].sign_headers(to_headers(envelope), value)
    return OutgoingRecord(ingress(event.agency), item.case_id.encode(), value, tuple(headers))


def ingress_records(
    items: Iterable[SentEvent], signers: Mapping[str, EventSigner]
) -> list[OutgoingRecord]:
    return [ingress_record(item, signers) for item in items]


class _Cases:
    """Draws cases with case ids unique within the run."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.content = random.Random(CONTENT_SEED)
        self.ids = random.Random()  # fresh ids every run: runs never collide on a broker
        self.example: Example = examples_of(catalogue)
        self.used: set[str] = set()

    def case(self, index: int) -> list[SentEvent]:
        """Case number `index` of the demo's scenario, its bad senders on every twentieth."""
        while True:
            case_id, events = case_scenario(index, self.content, self.ids, self.example)
            if case_id not in self.used:
                break
        self.used.add(case_id)
        sent = [SentEvent(case_id, event) for event in events]
        if index % BAD_SENDERS_EVERY == 0:
            sent += [SentEvent(case_id, e) for e in bad_senders(case_id, self.ids, self.example)]
        return sent


def _mix(cases: _Cases, count: int) -> tuple[list[SentEvent], list[SentEvent]]:
    """(setup, mix): `count` events of whole cases' mix, and the registrations they need."""
    setup: list[SentEvent] = []
    mix: list[SentEvent] = []
    index = 0
    while len(mix) < count:
        registered = cases.case(index)  # its registration is setup, its later events measured
        setup += [s for s in registered if s.event.stage == 0]
        mix += [s for s in registered if s.event.stage > 0]
        fresh = cases.case(index)  # only its registration is sent: registrations in the mix too
        mix += [s for s in fresh if s.event.stage == 0]
        index += 1
    # Cut the last case short, then send stage by stage as the demo does (order per case kept).
    return setup, sorted(mix[:count], key=lambda s: s.event.stage)


def build_workload(catalogue: Catalogue, events: int, rounds: int, latency_events: int) -> Workload:
    """`rounds` × `events` measured events, and `latency_events` for each latency phase."""
    cases = _Cases(catalogue)
    setup: list[SentEvent] = []
    parts: list[tuple[SentEvent, ...]] = []
    for count in (*([events] * rounds), latency_events, latency_events):
        registrations, mix = _mix(cases, count)
        setup += registrations
        parts.append(tuple(mix))
    return Workload(tuple(setup), tuple(parts[:rounds]), parts[rounds], parts[rounds + 1])
