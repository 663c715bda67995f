"""`hub contracts verify | asyncapi`: consumer-driven contract checks, offline, and the
AsyncAPI document of the hub.

`verify` checks the reference connectors (`connectors/`) against every
consumer's contract (`contracts/`), through the hub's own catalogue check,
routes and pipeline, with no broker. `--schemas`, `--contracts` and
`--routes` point at proposed copies, so a reviewer sees what a change would
break before it is merged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.console import Console

from hub.catalogue.catalogue import default_schemas_dir, load_catalogue
from hub.cli.output import emit, json_option, table
from hub.contracts.asyncapi import (
    ASYNCAPI_VERSION,
    asyncapi_document,
    asyncapi_yaml,
    default_asyncapi_path,
)
from hub.contracts.contract import default_contracts_dir
from hub.contracts.reference import reference_connectors
from hub.contracts.verify import VerifyReport, VerifySources, verify
from hub.pipeline.route import default_routes_path, load_routes

AGENCIES = ("police", "courts", "koda", "hub")


_SOURCES = (
    (
        "--schemas",
        "schemas_dir",
        "Catalogue folder [env HUB_SCHEMAS_DIR; the repository's schemas/].",
    ),
    ("--contracts", "contracts_dir", "Contracts folder [env HUB_CONTRACTS_DIR; contracts/]."),
    ("--routes", "routes_file", "Routes file [env HUB_ROUTES; routes/routes.yaml]."),
)


def sources_options(command: Any) -> Any:
    """--schemas, --contracts and --routes, defaulting to the repository's own files."""
    for flag, name, text in reversed(_SOURCES):
        is_file = flag == "--routes"
        kind = click.Path(file_okay=is_file, dir_okay=not is_file, path_type=Path)
        command = click.option(flag, name, type=kind, default=None, help=text)(command)
    return command


def sources(
    schemas_dir: Path | None, contracts_dir: Path | None, routes_file: Path | None
) -> VerifySources:
    return VerifySources(
        schemas_dir or default_schemas_dir(),
        contracts_dir or default_contracts_dir(),
        routes_file or default_routes_path(),
    )


@click.group()
def contracts() -> None:
    """Consumer-driven contracts: what each agency relies on, checked offline."""


@contracts.command(name="verify")
@click.option("--provider", type=click.Choice(AGENCIES), default=None, help="Only this provider.")
@click.option("--consumer", type=click.Choice(AGENCIES), default=None, help="Only this consumer.")
@sources_options
@json_option
def verify_command(
    *,
    provider: str | None,
    consumer: str | None,
    schemas_dir: Path | None,
    contracts_dir: Path | None,
    routes_file: Path | None,
    as_json: bool,
) -> None:
    """Providers' samples and consumers' handlers against every contract; exit 1 on a finding."""
    report = verify(
        sources(schemas_dir, contracts_dir, routes_file),
        reference_connectors(),
        provider=provider,
        consumer=consumer,
    )
    emit(report.as_json(), as_json, lambda out, _: render_verify(out, report))
    if not report.ok:
        raise SystemExit(1)


def render_verify(out: Console, report: VerifyReport) -> None:
    """The findings as a table, then one verdict line with what was checked."""
    if report.findings:
        rows = [
            (
                f.check,
                f.provider,
                f.consumer,
                f.type_name,
                f"v{f.version}" if f.version else "",
                f.path,
                f.message,
            )
            for f in report.findings
        ]
        columns = ("check", "provider", "consumer", "type", "version", "path", "problem")
        out.print(table("Contract findings", columns, rows))
    checked = ", ".join(f"{count} {what}" for what, count in report.checked.items())
    verdict = "[green]contracts hold[/]" if report.ok else "[red]contracts broken[/]"
    out.print(
        f"{verdict}: {len(report.findings)} findings; checked {checked} in {report.seconds:.2f} s"
    )


@contracts.command()
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write it [docs/asyncapi.yaml].",
)
@click.option("--check", "only_check", is_flag=True, help="Compare with the file; exit 1 on drift.")
@sources_options
@json_option
def asyncapi(
    *,
    output: Path | None,
    only_check: bool,
    schemas_dir: Path | None,
    contracts_dir: Path | None,
    routes_file: Path | None,
    as_json: bool,
) -> None:
    """Write the AsyncAPI 3.0 document of the hub's topics and messages (or --check it)."""
    chosen = sources(schemas_dir, contracts_dir, routes_file)
    catalogue = load_catalogue(chosen.schemas)
    text = asyncapi_yaml(asyncapi_document(catalogue, load_routes(chosen.routes, catalogue)))
    target = output or default_asyncapi_path()
    if only_check:
        drifted = not target.is_file() or target.read_text(encoding="utf-8") != text
        verdict = (
            "[red]drifted[/]: run `hub contracts asyncapi`" if drifted else "[green]up to date[/]"
        )
        emit(
            {"file": str(target), "drifted": drifted},
            as_json,
            lambda out, _: out.print(f"{target}: {verdict}"),
        )
        if drifted:
            raise SystemExit(1)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    lines = text.count("\n")
    emit(
        {"file": str(target), "lines": lines},
        as_json,
        lambda out, _: out.print(
            f"AsyncAPI {ASYNCAPI_VERSION} written to {target} ({lines} lines)"
        ),
    )
