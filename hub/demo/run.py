"""Running the demo: a broker, the topics, a hub, and synthetic cases sent stage by stage.

Each stage (police registers, the court judges, KODA admits, executes,
releases) is sent once the hub has settled the stage before, as in life,
where a judgment follows a registration by months. Until the reference
connectors exist, the demo plays the three agencies itself.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import orjson

from hub.app import build_processor
from hub.catalogue.catalogue import default_schemas_dir, load_catalogue
from hub.demo.expectations import Expectations, expectations
from hub.demo.scenario import STAGES, ScenarioEvent, bad_senders, case_scenario, examples_of
from hub.envelope import new_envelope, to_headers
from hub.kafka.admin import ensure_topics
from hub.kafka.io import ConsumedRecord, RecordWriter, read_topic
from hub.kafka.service import HubService
from hub.kafka.topology import AUDIT, ingress, topology
from hub.localbroker import LocalBroker
from hub.pipeline.decide import PipelineLimits
from hub.pipeline.records import OutgoingRecord
from hub.settings import KafkaSettings, LocalBrokerSettings
from hub.telemetry import tracer_for

Progress = Callable[[str], None]
FINAL_ACTIONS = frozenset({"ACCEPT", "REJECT", "DEDUPE"})


@dataclass(frozen=True, slots=True)
class SentEvent:
    case_id: str
    event: ScenarioEvent


@dataclass(frozen=True, slots=True)
class DemoRun:
    """What was sent, and everything the hub wrote about it."""

    bootstrap: str
    seed: int
    sent: tuple[SentEvent, ...]
    audit: tuple[ConsumedRecord, ...]
    ingress: tuple[ConsumedRecord, ...]
    egress: tuple[ConsumedRecord, ...]
    expected: Expectations
    seconds: float


def _kafka(progress: Progress) -> KafkaSettings:
    """The configured Kafka, or the local broker (started when it is not running)."""
    if os.environ.get("HUB_KAFKA_BOOTSTRAP"):
        return KafkaSettings.from_env()
    status, reused = LocalBroker(LocalBrokerSettings.from_env()).up(progress=progress)
    progress(f"broker {status.bootstrap} ({'running' if reused else 'started'})")
    return KafkaSettings(bootstrap=status.bootstrap)


def _record(case_id: str, item: ScenarioEvent) -> OutgoingRecord:
    source = item.source or f"urn:no:justice:{item.agency}"
    envelope = new_envelope(item.type_name, item.version, source, case_id, event_id=item.event_id)
    value = item.raw if item.raw is not None else orjson.dumps(item.data)
    headers = tuple(to_headers(envelope))
    return OutgoingRecord(ingress(item.agency), case_id.encode(), value, headers)


def _settled(settings: KafkaSettings, keys: set[bytes], expected: int, timeout: float) -> int:
    """Wait until the audit log settles `expected` ingress events of `keys`; how many it did."""

    def settled(records: Sequence[ConsumedRecord]) -> int:
        final = {
            orjson.loads(r.value or b"{}").get("ingress")
            for r in records
            if orjson.loads(r.value or b"{}").get("action") in FINAL_ACTIONS
        }
        return len(final)

    records = read_topic(
        settings, AUDIT, keys=keys, timeout=timeout, done=lambda found: settled(found) >= expected
    )
    return settled(records)


def run_demo(cases: int, seed: int, progress: Progress, timeout: float = 120) -> DemoRun:
    """Send `cases` synthetic cases through a hub and collect what it wrote."""
    started = time.monotonic()
    settings = _kafka(progress)
    ensure_topics(settings, topology())
    catalogue = load_catalogue(default_schemas_dir())
    content, ids = random.Random(seed), random.Random()
    example = examples_of(catalogue)
    scenarios = [case_scenario(i, content, ids, example) for i in range(cases)]
    scenarios.append((scenarios[0][0], bad_senders(scenarios[0][0], ids, example)))
    sent = tuple(SentEvent(case_id, e) for case_id, events in scenarios for e in events)
    keys = {case_id.encode() for case_id, _ in scenarios}

    writer = RecordWriter(settings)  # created now, so it is ready when stage 1 starts
    processor = build_processor(limits=PipelineLimits(park_timeout_ms=10_000))
    expected = expectations(processor.pipeline.routes, sent)
    service = HubService(
        settings, processor, instance_id=f"demo-{os.getpid()}", tracer=tracer_for("justice-hub")
    )
    stop = threading.Event()
    worker = threading.Thread(target=service.run, args=(stop,), name="hub", daemon=True)
    worker.start()
    try:
        _wait_until_ready(service, worker, 90)
        progress(f"hub ready; {cases} cases, {len(sent)} events, seed {seed}")
        total = 0
        for stage, name in enumerate(STAGES):
            batch = [s for s in sent if s.event.stage == stage]
            stage_start = time.monotonic()
            writer.write(_record(s.case_id, s.event) for s in batch)
            total += len(batch)
            done = _settled(settings, keys, total, timeout)
            progress(
                f"stage {stage + 1}/{len(STAGES)} {name}: {len(batch)} events, "
                f"settled in {time.monotonic() - stage_start:.1f} s"
            )
            if done < total:
                progress(f"  only {done} of {total} events settled within {timeout:.0f} s")
                break
    finally:
        stop.set()
        worker.join(60)
    return _collect(
        settings, seed, sent=sent, keys=keys, expected=expected, seconds=time.monotonic() - started
    )


def _wait_until_ready(service: HubService, worker: threading.Thread, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not service.ready.wait(0.2):
        if not worker.is_alive():
            raise RuntimeError("the hub stopped during start-up (its error is above)")
        if time.monotonic() > deadline:
            raise TimeoutError(f"the hub did not get its partitions within {timeout:.0f} s")


def _collect(
    settings: KafkaSettings,
    seed: int,
    *,
    sent: tuple[SentEvent, ...],
    keys: set[bytes],
    expected: Expectations,
    seconds: float,
) -> DemoRun:
    def read(topics: list[str]) -> tuple[ConsumedRecord, ...]:
        return tuple(r for t in topics for r in read_topic(settings, t, keys=keys))

    agencies = ["police", "courts", "koda"]
    return DemoRun(
        bootstrap=settings.bootstrap,
        seed=seed,
        sent=sent,
        audit=read([AUDIT]),
        ingress=read([f"ingress.{a}" for a in agencies]),
        egress=read([f"egress.{a}" for a in agencies] + ["hub.dlq"]),
        expected=expected,
        seconds=seconds,
    )
