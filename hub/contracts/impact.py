"""`hub schemas impact`: what a proposed schema version would break, before it is merged.

The candidate goes into a copy of the catalogue as the version its file name
says (`v3.schema.json`; the next version when the name says none), with the
examples beside it (`examples/v3/`) when it has them. Then `verify` runs on the
catalogue as it is and as proposed: what fails only with the candidate is its
impact, per consumer (its contract and handlers), per provider (samples the
hub would no longer take) and for the catalogue (compatibility, examples).
Routes are written against the canonical version, so when the candidate would
become canonical every field each recipient is routed must still be in it.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from hub.catalogue.bundle import dereference
from hub.catalogue.catalogue import Catalogue, CatalogueError, load_catalogue, read_object
from hub.contracts.consumer import unread_fields
from hub.contracts.contract import load_contracts
from hub.contracts.findings import Finding
from hub.contracts.parties import AgencyCode
from hub.contracts.verify import VerifySources, verify
from hub.pipeline.project import schema_field
from hub.pipeline.route import RoutesError, load_routes

_CANDIDATE_NAME = re.compile(r"v([1-9][0-9]*)\.schema\.json")
_EXAMPLE_COUNT = "examples:"  # the catalogue rule on how many examples a version has


@dataclass(frozen=True)
class BrokenRoute:
    recipient: str
    field: str
    problem: str


@dataclass(frozen=True)
class ImpactReport:
    type_name: str
    version: int
    becomes_canonical: bool
    consumers: dict[str, tuple[Finding, ...]]
    providers: dict[str, tuple[Finding, ...]]  # samples the hub would no longer take
    routes: tuple[BrokenRoute, ...]
    catalogue: tuple[Finding, ...]
    notes: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not (self.consumers or self.providers or self.routes or self.catalogue)

    def as_json(self) -> dict[str, Any]:
        """The report as `hub schemas impact --json` prints it."""
        return {
            "ok": self.ok,
            "type": self.type_name,
            "version": self.version,
            "becomes_canonical": self.becomes_canonical,
            "consumers": {
                name: [f.as_json() for f in found] for name, found in self.consumers.items()
            },
            "providers": {
                name: [f.as_json() for f in found] for name, found in self.providers.items()
            },
            "routes": [vars(route) for route in self.routes],
            "catalogue": [f.as_json() for f in self.catalogue],
            "notes": list(self.notes),
        }


class CandidateError(ValueError):
    """The candidate cannot be placed in the catalogue (unknown type, unreadable file)."""


def schema_impact(
    sources: VerifySources, type_name: str, candidate: Path, code: Sequence[AgencyCode]
) -> ImpactReport:
    """What making `candidate` a version of `type_name` would break; see the module."""
    catalogue = load_catalogue(sources.schemas)
    known = catalogue.types.get(type_name)
    if known is None:
        raise CandidateError(f"unknown event type {type_name!r}")
    try:
        schema = read_object(candidate)
    except CatalogueError as error:
        raise CandidateError(str(error)) from None
    match = _CANDIDATE_NAME.fullmatch(candidate.name)
    version = int(match[1]) if match else known.canonical_version + 1
    examples = candidate.parent / "examples" / f"v{version}"
    notes = [] if examples.is_dir() else [f"no examples beside the candidate ({examples})"]
    with tempfile.TemporaryDirectory(prefix="impact-") as scratch:
        proposed = Path(scratch) / "schemas"
        shutil.copytree(sources.schemas, proposed)
        folder = proposed / type_name
        shutil.copyfile(candidate, folder / f"v{version}.schema.json")
        if examples.is_dir():
            shutil.copytree(examples, folder / "examples" / f"v{version}", dirs_exist_ok=True)
        before = set(verify(sources, code).findings)
        after = verify(replace(sources, schemas=proposed), code).findings
    new = [
        f for f in after if f not in before and not (notes and f.message.startswith(_EXAMPLE_COUNT))
    ]
    resolved = dereference(schema, catalogue.defs)
    producers = ", ".join(known.producers)
    for contract in load_contracts(sources.contracts).values():
        expectation = contract.receives.get(type_name)
        if expectation is not None and version not in expectation.versions:
            # Not yet accepted, so verify did not read the candidate for it: what would break.
            new += unread_fields(contract.consumer, producers, expectation, resolved, version)
    consumers: dict[str, tuple[Finding, ...]] = {}
    providers: dict[str, tuple[Finding, ...]] = {}
    for finding in new:
        if finding.check == "sample":
            providers[finding.provider] = (*providers.get(finding.provider, ()), finding)
        elif finding.consumer:
            consumers[finding.consumer] = (*consumers.get(finding.consumer, ()), finding)
    becomes_canonical = version >= known.canonical_version
    routes = (
        tuple(_broken_routes(sources, catalogue, type_name, resolved)) if becomes_canonical else ()
    )
    return ImpactReport(
        type_name,
        version,
        becomes_canonical,
        consumers,
        providers,
        routes,
        tuple(f for f in new if f.check == "catalogue"),
        tuple(notes),
    )


def _broken_routes(
    sources: VerifySources, catalogue: Catalogue, type_name: str, resolved: dict[str, Any]
) -> Iterator[BrokenRoute]:
    """Every routed field of `type_name` the (dereferenced) candidate schema lacks."""
    try:
        routes = load_routes(sources.routes, catalogue)
    except RoutesError:
        return  # already broken without the candidate: `hub contracts verify` says where
    for recipient in routes.route_for(type_name).recipients:
        for field in (*recipient.fields, *recipient.confidential_fields):
            try:
                schema_field(resolved, field)
            except ValueError as error:
                yield BrokenRoute(recipient.agency, field, str(error))
