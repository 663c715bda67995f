"""`hub contracts verify`: every provider against every consumer's contract, offline.

`verify` runs, with no broker and no hub process:
1. the catalogue check of `hub schemas check` (`check_catalogue`), as it is;
2. the routes and the contracts loading (their errors name file and line);
3. each contract against the catalogue and the routes (`contract_findings`);
4. each provider's samples through the hub's pipeline (`sample_findings`);
5. each consumer's handlers against its contract's examples (`handler_findings`).
`--provider` and `--consumer` narrow steps 3 to 5; every finding names
provider, consumer, type, version and path.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hub.catalogue.catalogue import Catalogue, CatalogueError, load_catalogue
from hub.catalogue.check import check_catalogue
from hub.contracts.consumer import contract_findings, handler_findings
from hub.contracts.contract import Contract, ContractError, load_contracts
from hub.contracts.findings import Finding
from hub.contracts.parties import HUB, AgencyCode
from hub.contracts.provider import offline_run, sample_findings
from hub.pipeline.route import Routes, RoutesError, load_routes


@dataclass(frozen=True)
class VerifySources:
    """Where the data of a verification comes from."""

    schemas: Path
    contracts: Path
    routes: Path


@dataclass(frozen=True)
class VerifyReport:
    sources: VerifySources
    findings: tuple[Finding, ...]
    checked: dict[str, int] = field(default_factory=dict)  # what was checked, counted
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.findings

    def as_json(self) -> dict[str, Any]:
        """The report as `hub contracts verify --json` prints it."""
        return {
            "ok": self.ok,
            "schemas": str(self.sources.schemas),
            "contracts": str(self.sources.contracts),
            "routes": str(self.sources.routes),
            "checked": self.checked,
            "seconds": round(self.seconds, 3),
            "findings": [finding.as_json() for finding in self.findings],
        }


def verify(
    sources: VerifySources,
    code: Sequence[AgencyCode],
    *,
    provider: str | None = None,
    consumer: str | None = None,
) -> VerifyReport:
    """Check `code`'s samples and handlers against the contracts; see the module's steps."""
    started = time.perf_counter()
    checked: dict[str, int] = {}
    findings = list(_catalogue_findings(sources.schemas, checked))
    try:
        catalogue = load_catalogue(sources.schemas)
    except CatalogueError:  # reported by the catalogue check: nothing else can be read
        return VerifyReport(sources, _unique(findings), checked, time.perf_counter() - started)
    routes = _routes(sources.routes, catalogue, findings)
    contracts = {
        name: contract
        for name, contract in _contracts(sources.contracts, findings).items()
        if consumer in (None, name)
    }
    checked["contracts"] = len(contracts)
    for contract in contracts.values():
        found = contract_findings(contract, catalogue, routes)
        findings += [f for f in found if provider in (None, *f.provider.split(", "))]
    if routes is not None:  # samples go through the hub's routes: none without them
        run = offline_run(catalogue, routes)
        for agency in (a for a in code if provider in (None, a.agency)):
            samples = list(agency.samples())
            checked["samples"] = checked.get("samples", 0) + len(samples)
            found = sample_findings(run, agency.agency, samples, contracts)
            findings += [f for f in found if consumer in (None, f.consumer, HUB)]
    for agency in (a for a in code if a.agency in contracts and provider is None):
        contract = contracts[agency.agency]
        findings += handler_findings(contract, agency, catalogue)
        examples = sum(len(e.examples) for e in contract.receives.values())
        checked["examples"] = checked.get("examples", 0) + examples
    return VerifyReport(sources, _unique(findings), checked, time.perf_counter() - started)


def _catalogue_findings(schemas: Path, checked: dict[str, int]) -> Iterator[Finding]:
    """`hub schemas check`, each violation as a finding against the type's producers."""
    report = check_catalogue(schemas)
    checked["schema versions"] = sum(len(t.versions) for t in report.types)
    producers = {t.name: ", ".join(t.producers) for t in report.types}
    for v in report.violations:
        version = v.versions[-1] if v.versions else None
        message = f"{v.rule}: {v.message}"
        yield Finding(
            "catalogue", producers.get(v.type_name, ""), "", v.type_name, version, v.path, message
        )


def _routes(path: Path, catalogue: Catalogue, findings: list[Finding]) -> Routes | None:
    try:
        return load_routes(path, catalogue)
    except RoutesError as error:
        findings.append(Finding("routes", "", "", "", None, "", str(error)))
        return None


def _contracts(root: Path, findings: list[Finding]) -> dict[str, Contract]:
    try:
        return load_contracts(root)
    except ContractError as error:
        where = error.path.relative_to(root).parts if error.path.is_relative_to(root) else ()
        consumer = where[0] if len(where) > 1 else ""
        findings.append(Finding("contracts", "", consumer, "", None, "", str(error)))
        return {}


def _unique(findings: list[Finding]) -> tuple[Finding, ...]:
    """Each finding once: many samples break a contract the same way."""
    return tuple(dict.fromkeys(findings))
