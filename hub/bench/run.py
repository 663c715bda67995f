"""One benchmark run, phase by phase (hub.bench.phases), on a broker of its own.

1. setup: the cases' registrations go through a hub (not timed);
2. rounds: each round's events are preloaded on `ingress.*`, drained by the
   pass-through, then by a HubService built with build_processor;
3. latency: events offered at a fixed rate through a fresh hub, then through
   the pass-through alone (the floor), after which a hub settles those too;
4. replay: `hub replay` of every ingress topic, the client's bound on the
   same topics, and read_topic of the hub's outputs, which are then counted;
5. validation: SchemaValidators on the mix, with nothing else running;
6. signatures: signing and verifying the mix's events, with nothing else running.

Every event is signed before it is sent, with keys made for the run (as the
connectors sign); the hub verifies each and signs what it writes on egress.*.
The pass-through copies the signed records as they are.
"""

from __future__ import annotations

import cProfile
import gc
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hub.app import build_processor
from hub.bench.accounting import hub_tally, passthrough_tally
from hub.bench.harness import Progress, bench_broker
from hub.bench.machine import load_average
from hub.bench.passthrough import sink_topics
from hub.bench.phases import EGRESS_TOPICS, SINK_TOPICS, Phases
from hub.bench.replay import batch_reader, hub_replay, project_reader
from hub.bench.report import Figures, summary
from hub.bench.signatures import BenchKeys, bench_keys, signature_us
from hub.bench.validation import validate_us
from hub.bench.workload import Workload, build_workload, ingress_records
from hub.catalogue.catalogue import default_schemas_dir, load_catalogue
from hub.kafka.admin import ensure_topics
from hub.kafka.io import ConsumedRecord, read_topic
from hub.kafka.topology import AGENCIES, AUDIT, DLQ, ingress, topology
from hub.settings import KafkaSettings

OUTPUT_TOPICS = [AUDIT, *EGRESS_TOPICS, DLQ]


@dataclass(frozen=True, slots=True)
class BenchOptions:
    events: int = 20_000  # per round
    rate: int = 1_000
    latency_seconds: float = 10.0  # each latency phase offers at most rate × this many events
    rounds: int = 3  # throughput rounds; the figures are their medians
    profile: Path | None = None  # where to write cProfile stats of the hub's drains


def run_bench(options: BenchOptions, progress: Progress) -> dict[str, Any]:
    """Run every phase and return the figures (hub.bench.report names them)."""
    latency_events = min(options.events, max(1, round(options.rate * options.latency_seconds)))
    catalogue = load_catalogue(default_schemas_dir())
    workload = build_workload(catalogue, options.events, options.rounds, latency_events)
    progress(
        f"{options.rounds} rounds of {options.events} events, {latency_events} events "
        f"at {options.rate}/s for each latency phase, {len(workload.setup)} registrations"
    )
    profiler = cProfile.Profile() if options.profile else None
    load_before = load_average()
    # The workload is the benchmark's, not the hub's: its ~7 tracked objects per event
    # would make every full collection in the hub's thread scan them. Out of the way, the
    # collector sees what it would see in a `hub run` process.
    gc.freeze()
    try:
        with bench_keys() as keys:
            return _run(options, progress, workload, profiler, load_before, signing=keys)
    finally:
        gc.unfreeze()


def _run(
    options: BenchOptions,
    progress: Progress,
    workload: Workload,
    profiler: cProfile.Profile | None,
    load_before: float | None,
    *,
    signing: BenchKeys,
) -> dict[str, Any]:
    # After the freeze: its objects are the hub's own.
    processor = build_processor(keyring=signing.keyring)
    latency_events = len(workload.latency)
    with bench_broker(progress) as broker:
        settings = broker.settings
        ensure_topics(settings, (*topology(), *sink_topics()))
        phases = Phases(settings, processor, progress, signing)
        phases.setup(workload.setup)
        rounds = [
            phases.round(number, items, profiler)
            for number, items in enumerate(workload.rounds, start=1)
        ]
        latency = phases.hub_latency(workload.latency, options.rate)
        raw_latency, written = phases.raw_latency(workload.raw_latency, options.rate)
        phases.settle(written)
        progress("replay: hub replay of ingress.*, then the hub's outputs with read_topic")
        replay = hub_replay(settings)
        replay_bound = batch_reader(settings, [ingress(agency) for agency in AGENCIES])
        tools, found = project_reader(settings, OUTPUT_TOPICS)
        copies = _copies(settings, workload.keys)
    if profiler is not None and options.profile is not None:
        profiler.dump_stats(options.profile)
        progress(f"profile of the hub's drains written to {options.profile}")
    progress("timing schema validation on the mix")
    keys = workload.keys
    return summary(
        Figures(
            options=(options.events, options.rounds, options.rate, latency_events),
            raw=[d for d, _ in rounds],
            hub=[d for _, d in rounds],
            latency=latency,
            raw_latency=raw_latency,
            replay=(replay, replay_bound, tools),
            validate_us=validate_us(processor.pipeline.validators, workload.measured),
            signatures=_signature_us(signing, workload, progress),
            raw_tally=passthrough_tally((*workload.measured, *workload.raw_latency), copies, keys),
            hub_tally=hub_tally(
                processor.pipeline.routes,
                sent=workload.sent,
                egress=[r for topic in EGRESS_TOPICS for r in found[topic]],
                dlq=found[DLQ],
                audit=found[AUDIT],
                keys=keys,
            ),
            broker=broker,
            load=(load_before, load_average()),
            profile=options.profile,
        )
    )


def _signature_us(keys: BenchKeys, workload: Workload, progress: Progress) -> dict[str, float]:
    progress("timing signing and verifying on the mix")
    return signature_us(keys, ingress_records(workload.measured, keys.agencies))


def _copies(settings: KafkaSettings, keys: frozenset[bytes]) -> list[ConsumedRecord]:
    return [
        record
        for topic in SINK_TOPICS
        for record in read_topic(settings, topic, keys=keys, timeout=120)
    ]
