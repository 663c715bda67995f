"""The provider's side: what a connector's builders make, put through the hub's own pipeline.

`sample_findings` publishes each sample, offline, the way the hub would take
it from the agency's ingress topic: `Pipeline.decide` checks envelope,
ownership, schema and version, upcasts, enriches from the registry, routes
and projects for each recipient (and raises victim alerts). A rejection is a
finding against the provider; each delivery must hold every field its
recipient's contract always reads.

Samples about a case the hub has not seen are preceded by a registration from
the catalogue's own examples (with victims who asked to be told of
everything), so a courts or KODA connector is checked without police.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from hub.catalogue.catalogue import Catalogue
from hub.catalogue.upcast import MissingUpcasterError
from hub.catalogue.validation import SchemaValidators
from hub.contracts.contract import Contract
from hub.contracts.findings import Finding
from hub.contracts.parties import HUB, Sample
from hub.contracts.paths import locate
from hub.envelope import new_envelope, to_headers
from hub.kafka.topology import ingress
from hub.pipeline.decide import Pipeline
from hub.pipeline.outcomes import Accepted, Delivery, Duplicate, Rejected
from hub.pipeline.records import IngressRecord
from hub.pipeline.registry import CASE_REGISTERED, NOTIFICATION_REQUESTED
from hub.pipeline.route import Routes
from hub.pipeline.state import PartitionState
from hub.signing import Keyring, PrivateKey, generate_key, signed_headers

VICTIM_ALERT = "victim.alert"
SIGNERS = ("police", "courts", "koda", HUB)


@dataclass
class ProviderRun:
    """The hub's state over one run of samples: cases registered so far, records read.

    The hub checks every sender's signature before it reads anything; contract
    checks are about the data, so each sender signs here with a throwaway key
    the run's own keyring trusts.
    """

    pipeline: Pipeline
    catalogue: Catalogue
    keys: Mapping[str, PrivateKey]
    state: PartitionState = field(default_factory=lambda: PartitionState(0))
    offset: int = 0

    def decide(self, agency: str, type_name: str, version: int, data: Mapping[str, Any]) -> Any:
        """The pipeline's outcome for one event the agency publishes now."""
        case_id = str(data.get("caseId", "unknown"))
        envelope = new_envelope(
            type_name, version, f"urn:no:justice:{agency}", case_id, event_id=str(uuid.uuid4())
        )
        self.offset += 1
        value = orjson.dumps(data)
        headers = signed_headers(self.keys[agency], to_headers(envelope), value)
        record = IngressRecord(
            ingress(agency), 0, self.offset, case_id.encode(), value, tuple(headers)
        )
        return self.pipeline.decide(record, self.state, now_ms=int(time.time() * 1000))

    def ensure_registered(self, case_id: str) -> None:
        """Register `case_id` from the catalogue's examples unless a sample already did."""
        if self.state.registry.get(case_id) is not None:
            return
        registered = self.catalogue.types[CASE_REGISTERED]
        version = registered.canonical_version
        case = {**registered.versions[version].valid_examples[0].data, "caseId": case_id}
        self.decide("police", CASE_REGISTERED, version, case)
        requested = self.catalogue.types[NOTIFICATION_REQUESTED]
        request = requested.versions[requested.canonical_version].valid_examples[0].data
        categories = sorted(
            {t.consent for ts in self.pipeline.routes.alert_triggers.values() for t in ts}
        )
        for victim in case.get("victims", ()):
            wish = {**request, "caseId": case_id, "victimId": victim["victimId"]}
            self.decide(
                "police",
                NOTIFICATION_REQUESTED,
                requested.canonical_version,
                wish | {"events": categories},
            )


def offline_run(catalogue: Catalogue, routes: Routes) -> ProviderRun:
    """The hub's pipeline over `catalogue` and `routes`, trusting a throwaway key per sender."""
    since = datetime.now(UTC) - timedelta(days=1)
    keys = {org: generate_key(org, valid_from=since) for org in SIGNERS}
    keyring = Keyring(key.public for key in keys.values())
    pipeline = Pipeline(catalogue, SchemaValidators(catalogue), routes, keyring=keyring)
    return ProviderRun(pipeline, catalogue, keys)


def sample_findings(
    run: ProviderRun, agency: str, samples: Iterable[Sample], contracts: Mapping[str, Contract]
) -> Iterator[Finding]:
    """Every sample the hub rejects, and every delivery missing a field its recipient reads."""
    for sample in samples:
        if sample.type_name != CASE_REGISTERED:
            run.ensure_registered(str(sample.data.get("caseId", "unknown")))
        try:
            outcome = run.decide(agency, sample.type_name, sample.version, sample.data)
        except MissingUpcasterError as error:  # the pipeline expects the gap closed at start-up
            message = f"the hub cannot bring it to the canonical version: {error}"
            yield Finding("sample", agency, HUB, sample.type_name, sample.version, "", message)
            continue
        yield from _hub_reads(agency, sample, contracts.get(HUB))
        if isinstance(outcome, Rejected):
            rejection = outcome.rejection
            message = f"the hub rejects it ({rejection.reason.value}): {rejection.message}"
            if sample.origin:
                message += f" [built by {sample.origin}]"
            yield Finding(
                "sample",
                agency,
                HUB,
                sample.type_name,
                sample.version,
                rejection.path or "",
                message,
            )
        elif isinstance(outcome, Accepted):
            version = outcome.canonical_version
            for delivery in outcome.deliveries:
                yield from delivery_findings(agency, sample.type_name, version, delivery, contracts)
            alert_version = run.catalogue.types[VICTIM_ALERT].canonical_version
            for alert in outcome.alerts:
                for delivery in alert.deliveries:
                    yield from delivery_findings(
                        HUB, VICTIM_ALERT, alert_version, delivery, contracts
                    )
        elif not isinstance(outcome, Duplicate):
            message = f"the hub did not accept it: {type(outcome).__name__}"
            yield Finding("sample", agency, HUB, sample.type_name, sample.version, "", message)


def _hub_reads(agency: str, sample: Sample, contract: Contract | None) -> Iterator[Finding]:
    """What the hub itself always reads, in a sample of the version it reads (the canonical)."""
    expectation = contract.receives.get(sample.type_name) if contract else None
    if expectation is None or sample.version not in expectation.versions:
        return
    for read in expectation.always_read:
        for missing in locate(sample.data, read.pointer).missing:
            message = f"the hub itself always reads it ({read.pointer})"
            yield Finding("sample", agency, HUB, sample.type_name, sample.version, missing, message)


def delivery_findings(
    provider: str,
    type_name: str,
    version: int,
    delivery: Delivery,
    contracts: Mapping[str, Contract],
) -> Iterator[Finding]:
    """Each field the recipient's contract always reads that this delivery lacks."""
    contract = contracts.get(delivery.agency)
    expectation = contract.receives.get(type_name) if contract else None
    if expectation is None or version not in expectation.versions:
        return  # the contract's own check reports a type or version it does not accept
    for read in expectation.always_read:
        for missing in locate(delivery.data, read.pointer).missing:
            message = (
                f"the hub's delivery lacks a field {delivery.agency} always reads ({read.pointer})"
            )
            yield Finding(
                "delivery", provider, delivery.agency, type_name, version, missing, message
            )
