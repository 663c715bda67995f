"""The phases of a run on one broker; hub.bench.run puts them in order.

A drain is timed from the moment its loop has its partitions (the hub's state
restored) until its group has committed the end of every partition written
to: the offsets are committed in the same transaction as the outputs, so at
that moment every output is visible to `read_committed` readers.
"""

from __future__ import annotations

import cProfile
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hub.bench.gcwatch import GcWatch
from hub.bench.harness import Progress, Runner, running, send
from hub.bench.latency import ArrivalWatch, Latency, connector_producer, measure, offer
from hub.bench.offsets import CommitWatch, Offsets, Position, ends, grown, watermarks
from hub.bench.passthrough import SINK_PREFIX, PassThrough
from hub.bench.signatures import BenchKeys
from hub.bench.workload import ingress_records
from hub.demo.expectations import expectations
from hub.demo.run import SentEvent
from hub.kafka.io import RecordWriter
from hub.kafka.service import GROUP_ID, INGRESS_TOPICS, HubService
from hub.kafka.topology import AGENCIES, DLQ, egress
from hub.pipeline.process import PartitionProcessor
from hub.pipeline.records import OutgoingRecord
from hub.settings import KafkaSettings

EGRESS_TOPICS = [egress(agency) for agency in AGENCIES]
SINK_TOPICS = [SINK_PREFIX + agency for agency in AGENCIES]
LATENCY_WARMUP_S = 2.0  # at most; never more than a fifth of the phase


def latency_warmup(events: int, rate: int) -> float:
    """Seconds at the start of a latency phase that are not counted (loops and readers start)."""
    return min(LATENCY_WARMUP_S, events / rate / 5)


@dataclass(frozen=True, slots=True)
class Drain:
    """A backlog consumed by a loop: how many records, in how many seconds."""

    records: int
    seconds: float
    gc: dict[str, Any] = field(default_factory=dict)

    @property
    def eps(self) -> float:
        return self.records / self.seconds if self.seconds > 0 else 0.0


class Phases:
    """Every phase of one run, against `settings`, with one processor for every hub."""

    def __init__(
        self,
        settings: KafkaSettings,
        processor: PartitionProcessor,
        progress: Progress,
        keys: BenchKeys,
    ) -> None:
        self.settings = settings
        self.processor = processor
        self.keys = keys
        self.progress = progress
        self.run_id = uuid.uuid4().hex[:8]
        self.writer = RecordWriter(settings)
        self._instances = 0

    def _hub(self) -> HubService:
        self._instances += 1
        instance = f"bench-{self.run_id}-{self._instances}"
        return HubService(self.settings, self.processor, instance, signer=self.keys.hub)

    def _preload(self, items: Sequence[SentEvent]) -> tuple[Offsets, Offsets]:
        """Write `items` to ingress.*: (every partition's end before, the grown ones' new end)."""
        before = ends(self.settings, INGRESS_TOPICS)
        send(self.writer, ingress_records(items, self.keys.agencies))  # signed before timing
        return before, grown(before, ends(self.settings, INGRESS_TOPICS))

    def _low(self) -> dict[Position, int]:
        return {p: low for p, (low, _) in watermarks(self.settings, INGRESS_TOPICS).items()}

    def _drain(
        self,
        group_id: str,
        targets: Offsets,
        loop: Runner,
        low: Mapping[Position, int],
        profiler: cProfile.Profile | None = None,
    ) -> Drain:
        run, ready, name = loop
        watch = CommitWatch(self.settings, group_id)
        try:
            backlog = watch.backlog(targets, low)
            with running(run, ready, name, profiler=profiler), GcWatch() as collector:
                started = time.monotonic()
                finished = watch.wait_until(targets, timeout=max(120.0, backlog / 200))
                collector.count_tracked()  # before the loop stops and lets its state go
        finally:
            watch.close()
        return Drain(backlog, finished - started, collector.as_dict())

    def hub_drain(self, targets: Offsets, profiler: cProfile.Profile | None = None) -> Drain:
        hub = self._hub()
        return self._drain(GROUP_ID, targets, (hub.run, hub.ready, "hub"), self._low(), profiler)

    def setup(self, items: Sequence[SentEvent]) -> None:
        self.progress(f"setup: {len(items)} registrations through the hub (not timed)")
        self.hub_drain(self._preload(items)[1])

    def round(
        self, number: int, items: Sequence[SentEvent], profiler: cProfile.Profile | None
    ) -> tuple[Drain, Drain]:
        """One throughput round: `items` preloaded, drained by the pass-through, then the hub."""
        before, targets = self._preload(items)
        group = f"hub-bench-raw-{self.run_id}-{number}"
        copier = PassThrough(self.settings, group, before)
        raw = self._drain(group, targets, (copier.run, copier.ready, "pass-through"), before)
        hub = self.hub_drain(targets, profiler)
        self.progress(
            f"round {number}: raw {raw.eps:,.0f}/s ({raw.seconds:.2f} s), "
            f"hub {hub.eps:,.0f}/s ({hub.seconds:.2f} s), hub gc {hub.gc['seconds']} s"
        )
        return raw, hub

    def _offered(self, items: Sequence[SentEvent]) -> list[tuple[str, OutgoingRecord]]:
        records = ingress_records(items, self.keys.agencies)
        return [(s.event.event_id, r) for s, r in zip(items, records, strict=True)]

    def _paced(
        self,
        loop: Runner,
        group: str,
        outputs: list[str],
        due: set[str],
        *,
        items: Sequence[SentEvent],
        rate: int,
    ) -> tuple[Latency, Offsets]:
        """`items` offered at `rate` while `loop` runs: the latency, and what was written."""
        run, ready, name = loop
        starts = ends(self.settings, outputs)
        before = ends(self.settings, INGRESS_TOPICS)
        warmup = latency_warmup(len(items), rate)
        with running(run, ready, name):
            arrivals = ArrivalWatch(self.settings, starts, due)
            arrivals.start()
            sent = offer(connector_producer(self.settings), self._offered(items), rate)
            result = measure(arrivals, sent, timeout=60, warmup=warmup)
            targets = grown(before, ends(self.settings, INGRESS_TOPICS))
            # Everything committed before the loop stops, so the counts are complete.
            commits = CommitWatch(self.settings, group)
            try:
                commits.wait_until(targets, timeout=120)
            finally:
                commits.close()
        return result, targets

    def hub_latency(self, items: Sequence[SentEvent], rate: int) -> Latency:
        self.progress(f"latency: {len(items)} events at {rate}/s through a fresh hub")
        due = {e for _, e in expectations(self.processor.pipeline.routes, items).deliveries}
        due |= {s.event.event_id for s in items if s.event.expect == "REJECT"}
        hub = self._hub()
        loop = (hub.run, hub.ready, "hub")
        result, _ = self._paced(loop, GROUP_ID, [*EGRESS_TOPICS, DLQ], due, items=items, rate=rate)
        self.progress(f"latency through the hub: p50 {result.p50} ms, p99 {result.p99} ms")
        return result

    def raw_latency(self, items: Sequence[SentEvent], rate: int) -> tuple[Latency, Offsets]:
        """The same rate through the pass-through alone (the floor of this machine and these
        settings); and the ingress partitions written, which a hub must still process."""
        self.progress(f"latency: {len(items)} events at {rate}/s through the pass-through")
        group = f"hub-bench-rawlat-{self.run_id}"
        copier = PassThrough(self.settings, group, ends(self.settings, INGRESS_TOPICS))
        due = {s.event.event_id for s in items}
        loop = (copier.run, copier.ready, "pass-through")
        result, written = self._paced(loop, group, SINK_TOPICS, due, items=items, rate=rate)
        self.progress(f"latency through the pass-through: p50 {result.p50} ms, p99 {result.p99} ms")
        return result, written

    def settle(self, written: Offsets) -> None:
        """Let a hub process what the pass-through's latency phase left on ingress.*."""
        self.progress("settling: a hub processes the pass-through's latency events")
        self.hub_drain(written)
