"""What every fault test checks, and the traffic it runs under.

The invariants (issue 8): no event lost, no event delivered twice to a
`read_committed` reader, and each case's events in the order they were sent.
Traffic is a sender thread that publishes chunks as events would arrive, so a
fault can land while events are in flight.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from hub.kafka.io import ConsumedRecord, RecordWriter, read_topic
from hub.pipeline.records import OutgoingRecord
from hub.settings import KafkaSettings
from tests.events import Event, case_registered, koda_event, new_case_id, signed

LEAVE_EXAMPLES = ("ordinary-leave", "day-release", "escorted-leave")
FLOW_TOPIC = "egress.police"  # where a flow's leave.started events are delivered


@dataclass(frozen=True)
class CaseFlow:
    """Cases registered by police, then leave.started events from KODA for each, to police.

    Only the leaves are counted: each is delivered to police once (egress.police).
    """

    registrations: tuple[Event, ...]
    leaves: dict[bytes, tuple[Event, ...]]

    @property
    def keys(self) -> set[bytes]:
        return set(self.leaves)

    @property
    def ids(self) -> set[bytes]:
        """The ce_ids of the leaves: what is counted (receipts share the topic and keys)."""
        return {e.event_id.encode() for events in self.leaves.values() for e in events}

    def ours(self, records: Iterable[ConsumedRecord]) -> list[ConsumedRecord]:
        return [r for r in records if r.header("ce_id") in self.ids]

    @property
    def expected(self) -> int:
        return sum(len(events) for events in self.leaves.values())

    def events(self) -> list[Event]:
        """Every registration first, then the cases' leaves interleaved as real traffic is."""
        rounds = max(len(events) for events in self.leaves.values())
        interleaved = [
            events[i] for i in range(rounds) for events in self.leaves.values() if i < len(events)
        ]
        return [*self.registrations, *interleaved]


def case_flow(cases: int, leaves_per_case: int) -> CaseFlow:
    ids = [new_case_id() for _ in range(cases)]
    leaves = {
        case.encode(): tuple(
            koda_event("leave.started", LEAVE_EXAMPLES[i % len(LEAVE_EXAMPLES)], case)
            for i in range(leaves_per_case)
        )
        for case in ids
    }
    return CaseFlow(tuple(case_registered(case) for case in ids), leaves)


@dataclass(frozen=True)
class DeliveryCount:
    """What a reader saw of a flow: the figures docs/RELIABILITY.md reports."""

    records: int
    distinct: int
    lost: int
    duplicates: int  # records beyond the first of the same event
    cases_out_of_order: int


def count_deliveries(records: Iterable[ConsumedRecord], flow: CaseFlow) -> DeliveryCount:
    records = flow.ours(records)
    ids = Counter(r.header("ce_id") for r in records)
    sent = flow.ids
    arrived: dict[bytes | None, list[bytes | None]] = defaultdict(list)
    for record in sorted(records, key=lambda r: (r.partition, r.offset)):
        if record.header("ce_id") not in arrived[record.key]:
            arrived[record.key].append(record.header("ce_id"))
    out_of_order = sum(
        1
        for key, events in flow.leaves.items()
        if arrived[key] != [e.event_id.encode() for e in events][: len(arrived[key])]
    )
    return DeliveryCount(
        records=len(records),
        distinct=len(ids),
        lost=len(sent - set(ids)),
        duplicates=sum(n - 1 for n in ids.values()),
        cases_out_of_order=out_of_order,
    )


def assert_exactly_once_in_order(records: Iterable[ConsumedRecord], flow: CaseFlow) -> None:
    """Every leave of `flow` delivered once, each case's in the order sent."""
    count = count_deliveries(records, flow)
    assert count.duplicates == 0, f"duplicates delivered to read_committed readers: {count}"
    assert count.lost == 0, f"events lost: {count}"
    assert count.cases_out_of_order == 0, f"cases out of order: {count}"


def delivered(kafka: KafkaSettings, flow: CaseFlow, timeout: float = 120) -> list[ConsumedRecord]:
    """The flow's deliveries to police, read_committed, once all arrived (or `timeout`),
    and 2 s more to catch any extra (a duplicate)."""
    settled_at: list[float] = []

    def done(found: Sequence[ConsumedRecord]) -> bool:
        if not settled_at and len(flow.ours(found)) >= flow.expected:
            settled_at.append(time.monotonic() + 2.0)
        return bool(settled_at) and time.monotonic() >= settled_at[0]

    found = read_topic(kafka, FLOW_TOPIC, keys=flow.keys, done=done, timeout=timeout)
    return flow.ours(found)


def uncommitted_view(kafka: KafkaSettings, flow: CaseFlow) -> DeliveryCount:
    """The flow as a `read_uncommitted` reader sees it: aborted transactions included."""
    records = read_topic(kafka, FLOW_TOPIC, keys=flow.keys, committed_only=False, timeout=60)
    return count_deliveries(records, flow)


class Traffic:
    """Sends events in chunks from a thread, a pause between chunks, as agencies would.

    Each event is signed as `tests.kafka_io.send` signs. One idempotent producer for
    the whole run; each chunk waits for its acknowledgements up to `ack_timeout` s,
    long enough to ride out a broker restart.
    """

    def __init__(
        self,
        kafka: KafkaSettings,
        events: Iterable[Event],
        *,
        chunk: int = 200,
        pause: float = 0.05,
        ack_timeout: float = 120,
    ) -> None:
        # Signed as connectors sign: by ce_source's organisation, over the bytes as they are
        # (a test's tampered or malformed events are signed after they were spoiled).
        events = [signed(e) for e in events]
        self.chunks = [events[i : i + chunk] for i in range(0, len(events), chunk)]
        self.sent_chunks = 0
        self._kafka, self._pause, self._ack_timeout = kafka, pause, ack_timeout
        self._progress = threading.Condition()
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="traffic", daemon=True)

    def start(self) -> Traffic:
        self._thread.start()
        return self

    def _run(self) -> None:
        writer = RecordWriter(self._kafka)
        pacing = threading.Event()  # never set: wait() is the pause between chunks
        try:
            for chunk in self.chunks:
                writer.write(
                    (OutgoingRecord(e.topic, e.key, e.value, tuple(e.headers)) for e in chunk),
                    timeout=self._ack_timeout,
                )
                with self._progress:
                    self.sent_chunks += 1
                    self._progress.notify_all()
                pacing.wait(self._pause)
        except BaseException as failure:
            self._failure = failure
            with self._progress:
                self._progress.notify_all()

    def wait_sent(self, fraction: float, timeout: float = 120) -> None:
        """Wait until `fraction` of the chunks are acknowledged by the broker."""
        self._wait_chunks(max(1, int(len(self.chunks) * fraction)), timeout)

    def wait_next_chunk(self, timeout: float = 120) -> None:
        """Wait until one more chunk is acknowledged: the hub is busy with it right then,
        so a fault injected at once likely finds a transaction open."""
        self._wait_chunks(self.sent_chunks + 1, timeout)

    def _wait_chunks(self, needed: int, timeout: float) -> None:
        with self._progress:
            self._progress.wait_for(
                lambda: self.sent_chunks >= needed or self._failure is not None, timeout
            )
        self._raise_failure()
        assert self.sent_chunks >= needed, f"only {self.sent_chunks} chunks sent in {timeout} s"

    def join(self, timeout: float = 180) -> None:
        self._thread.join(timeout)
        self._raise_failure()
        assert not self._thread.is_alive(), f"the sender did not finish within {timeout} s"

    def _raise_failure(self) -> None:
        if self._failure is not None:
            raise AssertionError(f"the sender failed: {self._failure!r}") from self._failure
