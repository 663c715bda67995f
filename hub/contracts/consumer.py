"""The consumer's side of a contract: does the hub give it what it reads, and do its
handlers take what its contract shows?

`contract_findings` checks one contract against the catalogue and the routes,
with no code run: every type it names exists and the hub delivers a version
it accepts; every field it reads exists in each version it accepts and is
kept by its route's projection; every example holds each field it always
reads and nothing the hub would not deliver. `handler_findings` calls the
consumer's handlers (over a fresh in-memory store) with each example, then
with the example cut down to the fields the contract names: a handler that
fails only on the second reads a field its contract does not declare.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from typing import Any

from connectors.common.inbox import Received
from hub.catalogue.bundle import dereference
from hub.catalogue.catalogue import Catalogue
from hub.contracts.contract import Contract, ContractExample, Expectation
from hub.contracts.findings import Finding
from hub.contracts.parties import HUB, AgencyCode
from hub.contracts.paths import dotted_path, leaf_pointers, locate, projection_covers
from hub.envelope import EnvelopeError, new_envelope
from hub.pipeline.amendments import amendment_type
from hub.pipeline.project import compile_projection, project_for_recipient, schema_field
from hub.pipeline.route import Recipient, Routes, UnknownRouteError

# What every connector takes in without a contract: the hub's own receipts.
UNCONTRACTED = frozenset({"hub.receipt"})


def producers_of(catalogue: Catalogue, type_name: str) -> str:
    known = catalogue.types.get(type_name)
    return ", ".join(known.producers) if known else ""


def contract_findings(
    contract: Contract, catalogue: Catalogue, routes: Routes | None
) -> Iterator[Finding]:
    """Every way `contract` disagrees with the catalogue and (when they load) the routes."""
    for expectation in contract.receives.values():
        yield from _expectation_findings(contract.consumer, expectation, catalogue, routes)


def _expectation_findings(
    consumer: str, expectation: Expectation, catalogue: Catalogue, routes: Routes | None
) -> Iterator[Finding]:
    type_name = expectation.type_name
    provider = producers_of(catalogue, type_name)

    def finding(check: str, version: int | None, path: str, message: str) -> Finding:
        return Finding(check, provider, consumer, type_name, version, path, message)

    known = catalogue.types.get(type_name)
    if known is None:
        yield finding("contract", None, "", "no such event type in the catalogue")
        return
    canonical = known.canonical_version
    if canonical not in expectation.versions:
        accepted = ", ".join(f"v{n}" for n in expectation.versions)
        verb = "reads every event as" if consumer == HUB else "delivers"
        message = f"the hub {verb} v{canonical} (canonical); the contract accepts {accepted}"
        yield finding("contract", canonical, "", message)
    for version in expectation.versions:
        if version not in known.versions:
            yield finding("contract", version, "", f"the catalogue has no v{version}")
            continue
        schema = dereference(known.versions[version].schema, catalogue.defs)
        yield from unread_fields(consumer, provider, expectation, schema, version)
    if routes is None or consumer == HUB:
        return  # no routes loaded (reported on their own), or the hub: it reads events whole
    if (amending := amendment_type(type_name)) is not None:
        # It goes to whoever got the original: whole (a retraction) or, for a
        # correction's data, under the projection that original had.
        if _recipient(routes, amending.amends, consumer) is None:
            original = amending.amends
            message = f"it goes to those who get {original}; the routes send {consumer} none"
            yield finding("route", canonical, "", message)
        return
    recipient = _recipient(routes, type_name, consumer)
    if recipient is None:
        yield finding("route", canonical, "", f"the routes do not send {type_name} to {consumer}")
        return
    for read in expectation.reads:
        if not projection_covers(recipient.projection, read.pointer):
            message = f"the route's fields for {consumer} do not keep it, the consumer reads it"
            yield finding("route", canonical, read.pointer, message)
    for example in expectation.examples:
        yield from _example_findings(expectation, example, recipient, finding)


def unread_fields(
    consumer: str,
    provider: str,
    expectation: Expectation,
    schema: Mapping[str, Any],
    version: int,
) -> Iterator[Finding]:
    """Each field the consumer reads that `schema` (dereferenced, of `version`) lacks."""
    for read in expectation.reads:
        try:
            schema_field(schema, dotted_path(read.pointer))
        except ValueError as error:
            message = f"consumer reads it: {error}"
            yield Finding(
                "schema", provider, consumer, expectation.type_name, version, read.pointer, message
            )


def _recipient(routes: Routes, type_name: str, consumer: str) -> Recipient | None:
    try:
        route = routes.route_for(type_name)
    except UnknownRouteError:
        return None
    return next((r for r in route.recipients if r.agency == consumer), None)


def _example_findings(
    expectation: Expectation, example: ContractExample, recipient: Recipient, finding: Any
) -> Iterator[Finding]:
    for read in expectation.always_read:
        for missing in locate(example.data, read.pointer).missing:
            message = f"{example.name} lacks a field the consumer always reads ({read.pointer})"
            yield finding("example", example.version, missing, message)
    delivered = set(leaf_pointers(project_for_recipient(example.data, recipient.projection)))
    for extra in sorted(set(leaf_pointers(example.data)) - delivered):
        message = f"{example.name} holds a field the hub never delivers to {recipient.agency}"
        yield finding("example", example.version, extra, message)


def handler_findings(
    contract: Contract, code: AgencyCode, catalogue: Catalogue
) -> Iterator[Finding]:
    """Every example the consumer's handlers refuse, whole or cut to the contract's reads,
    and every type it handles that its contract does not declare."""
    consumer = contract.consumer
    for type_name in sorted(code.handlers().keys() - contract.receives.keys() - UNCONTRACTED):
        message = "the consumer has a handler for it, but its contract does not declare it"
        yield Finding(
            "contract", producers_of(catalogue, type_name), consumer, type_name, None, "", message
        )
    for expectation in contract.receives.values():
        type_name = expectation.type_name
        provider = producers_of(catalogue, type_name)
        if not expectation.examples:
            message = "no example messages: add examples/<type>/v<N>/*.json"
            yield Finding("example", provider, consumer, type_name, None, "", message)
        reads = compile_projection(dotted_path(read.pointer) for read in expectation.reads)
        for example in expectation.examples:
            variants = (
                ("", example.data),
                (" cut to the contract's reads", project_for_recipient(example.data, reads)),
            )
            for label, data in variants:
                case_id = str(example.data.get("caseId", ""))
                problem = refusal(
                    code,
                    type_name=type_name,
                    version=example.version,
                    data=data,
                    provider=provider,
                    case_id=case_id,
                )
                if problem is not None:
                    message = f"the handler refuses {example.name}{label}: {problem}"
                    yield Finding(
                        "handler", provider, consumer, type_name, example.version, "", message
                    )
                    break  # the cut variant fails too when the whole one does


def refusal(
    code: AgencyCode,
    *,
    type_name: str,
    version: int,
    data: Mapping[str, Any],
    provider: str,
    case_id: str,
) -> str | None:
    """Why `code`'s handler for `type_name` refuses `data` about `case_id` (None when it
    takes it); the envelope is as the hub sends it, so only the data is on trial.

    A fresh set of handlers per call: each message meets an empty store, as a
    first delivery does.
    """
    handler = code.handlers().get(type_name)
    if handler is None:
        return None  # kept as it came, like the reference connectors' inbox does
    source = f"urn:no:justice:{provider.split(',', maxsplit=1)[0] or 'hub'}"
    try:
        envelope = new_envelope(type_name, version, source, case_id, event_id=str(uuid.uuid4()))
    except EnvelopeError as error:
        return f"no envelope can carry it: {error}"
    try:
        handler(Received(envelope, dict(data)))
    except Exception as error:  # any refusal is a finding, whatever the handler raised
        return f"{type(error).__name__}: {error}"
    return None
