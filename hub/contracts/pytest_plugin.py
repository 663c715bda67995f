"""pytest plugin `hub_contracts`: a connector team's contract checks, in its own repository.

Installed with the hub's package (entry point `pytest11`). A partner names its
agency and two functions in its pytest configuration:

    [tool.pytest.ini_options]
    hub_agency = "courts"
    hub_samples = "lovisa.contract_hooks:samples"    # -> Iterable[Sample], from its builders
    hub_handlers = "lovisa.contract_hooks:handlers"  # -> {event type: handler}, fresh store

and writes one test:

    def test_hub_contract(hub_contract):
        hub_contract.check()

The test runs once per thing the agency promises: the catalogue and data
files it is checked against, each type and version it publishes (through the
hub's pipeline, against every recipient's contract), each type it receives
(its contract against schema and routes, its handlers against the examples).
`hub_schemas`, `hub_contracts` and `hub_routes` point at other copies of the
hub's data files (default: those of the installed hub).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path
from typing import Any

import pytest

from hub.catalogue.catalogue import default_schemas_dir
from hub.contracts.contract import ContractError, default_contracts_dir, load_contracts
from hub.contracts.findings import Finding
from hub.contracts.parties import AgencyCode, no_handlers, no_samples
from hub.contracts.verify import VerifyReport, VerifySources, verify
from hub.pipeline.route import default_routes_path

FIXTURE = "hub_contract"
FILE_CHECKS = frozenset({"catalogue", "routes", "contracts"})
_OPTIONS = {
    "hub_agency": "the agency whose connector this repository holds (police, courts, koda)",
    "hub_samples": "module:function returning the Samples its event builders make",
    "hub_handlers": "module:function returning {event type: handler} over a fresh store",
    "hub_schemas": "the hub's catalogue folder [the installed hub's]",
    "hub_contracts": "the hub's contracts folder [the installed hub's]",
    "hub_routes": "the hub's routes file [the installed hub's]",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    for name, text in _OPTIONS.items():
        parser.addini(name, text, default="")


@dataclass(frozen=True)
class ContractCheck:
    """One promise of the agency's connector; `check()` fails naming every finding."""

    topic: str
    covers: Callable[[Finding], bool]
    report: Callable[[], VerifyReport]

    def check(self) -> None:
        found = [finding for finding in self.report().findings if self.covers(finding)]
        if found:
            lines = "\n".join(f"  {finding.line()}" for finding in found)
            pytest.fail(f"{self.topic}: {len(found)} contract finding(s)\n{lines}", pytrace=False)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if FIXTURE not in metafunc.fixturenames:
        return
    checks = contract_checks(metafunc.config)
    metafunc.parametrize(FIXTURE, checks, ids=[check.topic for check in checks])


def contract_checks(config: pytest.Config) -> list[ContractCheck]:
    """The checks for the configured agency: data files, each type published and received."""
    agency = str(config.getini("hub_agency"))
    if not agency:
        raise pytest.UsageError(
            "hub_contract needs the ini option hub_agency (police, courts, koda)"
        )
    code = AgencyCode(
        agency,
        _function(config, "hub_samples", no_samples),
        _function(config, "hub_handlers", no_handlers),
    )
    sources = _sources(config)
    report = cache(lambda: verify(sources, [code]))
    checks = [ContractCheck("hub data files", lambda f: f.check in FILE_CHECKS, report)]
    published = sorted({(s.type_name, s.version) for s in code.samples()})
    for type_name, version in published:
        checks.append(
            ContractCheck(
                f"publishes {type_name} v{version}",
                partial(_publishes, agency, type_name),
                report,
            )
        )
    try:
        contract = load_contracts(sources.contracts).get(agency)
    except ContractError:
        contract = None  # the data-files check reports it
    received = sorted(contract.receives) if contract else []
    for type_name in received:
        checks.append(
            ContractCheck(
                f"receives {type_name}",
                partial(_receives, agency, type_name),
                report,
            )
        )
    specific = tuple(checks)

    def anything_else(finding: Finding) -> bool:
        involved = finding.consumer == agency or agency in finding.provider.split(", ")
        return involved and not any(check.covers(finding) for check in specific)

    checks.append(ContractCheck(f"anything else about {agency}", anything_else, report))
    return checks


def _publishes(agency: str, type_name: str, finding: Finding) -> bool:
    return finding.type_name == type_name and agency in finding.provider.split(", ")


def _receives(agency: str, type_name: str, finding: Finding) -> bool:
    return finding.type_name == type_name and finding.consumer == agency


def _function(config: pytest.Config, option: str, default: Callable[[], Any]) -> Callable[[], Any]:
    """The function an ini option names as module:function (the default when unset)."""
    spec = str(config.getini(option))
    if not spec:
        return default
    module, _, name = spec.partition(":")
    try:
        found = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as error:
        raise pytest.UsageError(f"{option} = {spec!r}: {error}") from None
    if not callable(found):
        raise pytest.UsageError(f"{option} = {spec!r} is not a function")
    return found  # type: ignore[no-any-return]


def _sources(config: pytest.Config) -> VerifySources:
    def path(option: str, default: Callable[[], Path]) -> Path:
        value = str(config.getini(option))
        return Path(config.rootpath, value) if value else default()

    return VerifySources(
        path("hub_schemas", default_schemas_dir),
        path("hub_contracts", default_contracts_dir),
        path("hub_routes", default_routes_path),
    )
