"""Running the demo: a broker, the topics, the hub and the three reference connectors.

Police register synthetic cases; the courts judge them and KODA executes the
sentences on a simulated clock, each connector acting only on what the hub
delivered to it. When every case has reached its end, three bad senders show
the reject path (a malformed value, a spoofed source, a schema violation).
Victim alerts run on the hub's wall-clock timers, shortened for the demo
(`DEMO_ALERTS`): police's simulated victims confirm, or never answer and are
escalated, or withdraw; the demo waits until every alert has ended (in
`hub.alerts`). Then it reads back everything the agencies published and
everything the hub wrote, so the summary is counted, not assumed. Every organisation signs
with a key made for this run only (a temporary directory, removed at the end).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import tempfile
import threading
import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from connectors.chain import Chain, ChainOptions, ChainThread
from connectors.police.victim_contact import VictimContact
from hub.app import build_processor
from hub.catalogue.catalogue import default_schemas_dir, load_catalogue
from hub.demo.scenario import ScenarioEvent, SentEvent, bad_senders, examples_of
from hub.envelope import new_envelope, to_headers
from hub.kafka.admin import ensure_topics
from hub.kafka.io import ConsumedRecord, RecordWriter, read_topic
from hub.kafka.metrics import meter_for
from hub.kafka.service import HubService
from hub.kafka.topology import AGENCIES, AUDIT, DLQ, egress, ingress, topology
from hub.localbroker import LocalBroker
from hub.ops.victims import alert_states
from hub.pipeline.alert_policy import AlertPolicy
from hub.pipeline.decide import PipelineLimits
from hub.pipeline.records import OutgoingRecord
from hub.settings import KafkaSettings, LocalBrokerSettings, SigningSettings
from hub.signing import HUB_ORG, EventSigner, key_sets_for_a_run, load_keyring, load_signer
from hub.telemetry import tracer_for

__all__ = ["FINAL_ACTIONS", "DemoRun", "SentEvent", "run_demo"]  # SentEvent: for hub.bench

Progress = Callable[[str], None]
FINAL_ACTIONS = frozenset({"ACCEPT", "REJECT", "DEDUPE"})
# An alert not acknowledged within 6 s of wall time (3 s when urgent) is sent again, twice,
# then escalated: a never-answering victim is escalated within 18 s instead of hours. The
# wait is longer than police's answer takes to come back here (up to 4 s measured on a
# busy 2-core machine), so a victim who answers is not escalated.
DEMO_ALERTS = AlertPolicy(ack_timeout_ms=6000, repeats=2, urgent_divisor=2)
ALERT_ENDS = frozenset({"ACKNOWLEDGED", "ESCALATED", "WITHDRAWN"})


@dataclass(frozen=True, slots=True)
class DemoRun:
    """What the agencies published, everything the hub wrote, and what the connectors saw."""

    bootstrap: str
    seed: int
    case_ids: tuple[str, ...]
    cases_ended: int
    bad_senders: tuple[ScenarioEvent, ...]
    ingress: tuple[ConsumedRecord, ...]
    audit: tuple[ConsumedRecord, ...]
    egress: tuple[ConsumedRecord, ...]
    alerts_due: frozenset[tuple[str, str]]  # (triggering event id, victim id)
    alerts_given: tuple[tuple[str, str], ...]
    alert_states: tuple[dict[str, Any], ...]  # the run's alerts, as hub.alerts last says
    victims: tuple[VictimContact, ...]  # the victims police contacted, and how they answer
    latencies_ms: tuple[float, ...]  # producer's publish to the recipient connector's commit
    seconds: float


def _kafka(progress: Progress) -> KafkaSettings:
    """The configured Kafka, or the local broker (started when it is not running)."""
    if os.environ.get("HUB_KAFKA_BOOTSTRAP"):
        return KafkaSettings.from_env()
    status, reused = LocalBroker(LocalBrokerSettings.from_env()).up(progress=progress)
    progress(f"broker {status.bootstrap} ({'running' if reused else 'started'})")
    return KafkaSettings(bootstrap=status.bootstrap)


def _record(
    case_id: str, item: ScenarioEvent, signers: Mapping[str, EventSigner]
) -> OutgoingRecord:
    """A bad sender's record, signed as the organisation it claims to be (a sloppy connector,
    not a forger: the hub must refuse it for what is wrong with it, not its signature)."""
    source = item.source or f"urn:no:justice:{item.agency}"
    envelope = new_envelope(item.type_name, item.version, source, case_id, event_id=item.event_id)
    value = item.raw if item.raw is not None else orjson.dumps(item.data)
    headers = signers[envelope.source_org].sign_headers(to_headers(envelope), value)
    return OutgoingRecord(ingress(item.agency), case_id.encode(), value, tuple(headers))


def _read(
    settings: KafkaSettings, topics: Sequence[str], keys: set[bytes]
) -> tuple[ConsumedRecord, ...]:
    return tuple(r for topic in topics for r in read_topic(settings, topic, keys=keys))


Delivered = set[tuple[str, str]]  # (event id, recipient)


def deliveries_and_confirmations(
    audits: Iterable[Mapping[str, Any]],
) -> tuple[Delivered, Delivered]:
    """What the audit records say was delivered to whom, and what recipients confirmed."""
    delivered: Delivered = set()
    confirmed: Delivered = set()
    for audit in audits:
        delivered |= {(d["eventId"], d["recipient"]) for d in audit.get("deliveries", ())}
        if (confirms := audit.get("confirms")) is not None:
            confirmed.add((confirms["eventId"], confirms["recipient"]))
    return delivered, confirmed


def _settled(settings: KafkaSettings, keys: set[bytes], timeout: float) -> bool:
    """Wait until the audit log has an outcome for every ingress record of the cases
    and a recipient's confirmation for every delivery."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        published = {
            f"{r.topic}/{r.partition}/{r.offset}"
            for r in _read(settings, [ingress(a) for a in AGENCIES], keys)
        }
        audits = [record_json(r) for r in read_topic(settings, AUDIT, keys=keys)]
        decided = {audit["ingress"] for audit in audits if audit["action"] in FINAL_ACTIONS}
        # Every audit record with deliveries: the hub's own repeats and escalations too.
        delivered, confirmed = deliveries_and_confirmations(audits)
        if published <= decided and delivered <= confirmed:
            return True
        time.sleep(0.3)
    return False


def _alerts_ended(
    settings: KafkaSettings, case_ids: Collection[str], progress: Progress, timeout: float
) -> tuple[dict[str, Any], ...]:
    """The run's alert states once every one has ended (acknowledged, escalated or
    withdrawn), or as they are when `timeout` seconds have passed."""
    deadline, reported = time.monotonic() + timeout, -1
    while True:
        states = tuple(s for s in alert_states(settings) if s["caseId"] in case_ids)
        open_alerts = sum(1 for s in states if s["state"] not in ALERT_ENDS)
        if open_alerts != reported:
            progress(f"victim alerts still waiting for an answer: {open_alerts}")
            reported = open_alerts
        if not open_alerts or time.monotonic() > deadline:
            return states
        time.sleep(0.3)


def _decided(audit: Iterable[ConsumedRecord]) -> list[str]:
    """Event ids the hub accepted, in the order it decided them (per case: per partition)."""
    ordered = sorted(audit, key=lambda r: (r.partition, r.offset))
    return [a["eventId"] for a in map(record_json, ordered) if a["action"] == "ACCEPT"]


def record_json(record: ConsumedRecord) -> dict[str, Any]:
    """A record's JSON value (an empty object for a tombstone)."""
    loaded: dict[str, Any] = orjson.loads(record.value or b"{}")
    return loaded


def _until_ended(
    chain: ChainThread, case_ids: list[str], progress: Progress, timeout: float
) -> int:
    deadline, reported = time.monotonic() + timeout, -1
    while True:
        stages = chain.call(lambda c: c.progress())
        ended = sum(1 for case_id in case_ids if case_id in stages and stages[case_id].ended)
        if ended != reported:
            progress(f"cases at their end: {ended}/{len(case_ids)}")
            reported = ended
        if ended == len(case_ids) or time.monotonic() > deadline:
            return ended
        time.sleep(0.3)


def _latencies(chain: Chain) -> tuple[float, ...]:
    def ms(text: str) -> float:
        return dt.datetime.fromisoformat(text).timestamp() * 1000

    rows = [
        row
        for connector in (chain.police, chain.courts, chain.koda)
        for row in connector.store.received()
    ]
    return tuple(ms(r.received_at) - ms(r.produced_at) for r in rows)


def run_demo(
    cases: int, seed: int, progress: Progress, timeout: float = 240, days_per_second: float = 100
) -> DemoRun:
    """Play `cases` synthetic cases to their end through the hub and the connectors."""
    with tempfile.TemporaryDirectory(prefix="hub-demo-keys-") as keys:
        signing = key_sets_for_a_run(Path(keys))
        return _run_demo(cases, seed, progress, timeout, days_per_second, signing=signing)


def _run_demo(
    cases: int,
    seed: int,
    progress: Progress,
    timeout: float,
    days_per_second: float,
    *,
    signing: SigningSettings,
) -> DemoRun:
    started = time.monotonic()
    settings = _kafka(progress)
    ensure_topics(settings, topology())
    processor = build_processor(
        limits=PipelineLimits(park_timeout_ms=10_000),
        keyring=load_keyring(signing.jwks_dir),
        alerts=DEMO_ALERTS,
    )
    signers = {org: load_signer(signing.private_dir, org) for org in AGENCIES}
    routes = processor.pipeline.routes
    writer = RecordWriter(settings)  # created now, so it is ready when the bad senders send
    service = HubService(
        settings,
        processor,
        instance_id=f"demo-{os.getpid()}",
        tracer=tracer_for("justice-hub"),
        meter=meter_for("justice-hub"),
        signer=load_signer(signing.private_dir, HUB_ORG),
    )
    stop = threading.Event()
    worker = threading.Thread(target=service.run, args=(stop,), name="hub", daemon=True)
    worker.start()
    chain_options = ChainOptions(
        seed=seed,
        days_per_second=days_per_second,
        tracer=tracer_for("connectors"),
        signing=signing,
    )
    chain = ChainThread(settings, chain_options)
    try:
        _wait_until_ready(service, worker, 90)
        chain.start()
        progress(f"hub and connectors ready; police register {cases} cases (seed {seed})")
        case_ids = chain.call(lambda c: c.register_cases(cases))
        ended = _until_ended(chain, case_ids, progress, timeout)
        example = examples_of(load_catalogue(default_schemas_dir()))
        bad = tuple(bad_senders(case_ids[0], random.Random(), example))
        progress("bad senders: a malformed value, a spoofed source, a schema violation")
        writer.write(_record(case_ids[0], item, signers) for item in bad)
        keys = {case_id.encode() for case_id in case_ids}
        states = _alerts_ended(settings, set(case_ids), progress, 60)
        if not _settled(settings, keys, 60):
            progress("  not every event was decided within 60 s")
        audit = _read(settings, [AUDIT], keys)
        decided = _decided(audit)
        due = frozenset(chain.call(lambda c: c.alerts_due(routes, decided)))
        given = tuple(chain.call(lambda c: c.alerts_given()))
        victims = tuple(chain.call(lambda c: c.police.store.victims()))
        latencies = chain.call(_latencies)
    finally:
        chain.stop()
        stop.set()
        worker.join(60)
    return DemoRun(
        bootstrap=settings.bootstrap,
        seed=seed,
        case_ids=tuple(case_ids),
        cases_ended=ended,
        bad_senders=bad,
        ingress=_read(settings, [ingress(a) for a in AGENCIES], keys),
        audit=audit,
        egress=_read(settings, [*(egress(a) for a in AGENCIES), DLQ], keys),
        alerts_due=due,
        alerts_given=given,
        alert_states=states,
        victims=victims,
        latencies_ms=latencies,
        seconds=time.monotonic() - started,
    )


def _wait_until_ready(service: HubService, worker: threading.Thread, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not service.ready.wait(0.2):
        if not worker.is_alive():
            raise RuntimeError("the hub stopped during start-up (its error is above)")
        if time.monotonic() > deadline:
            raise TimeoutError(f"the hub did not get its partitions within {timeout:.0f} s")
