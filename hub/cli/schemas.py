"""`hub schemas list | show | check | models | impact`: the event catalogue on the command line.

`--schemas DIR` points at another catalogue folder (a proposed change, a
partner's copy); by default the repository's `schemas/` (or `HUB_SCHEMAS_DIR`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from hub.catalogue.bundle import dereference
from hub.catalogue.catalogue import Catalogue, CatalogueError, default_schemas_dir, load_catalogue
from hub.catalogue.check import CheckReport, check_catalogue
from hub.catalogue.models import drifted_models, generated_dir, write_models
from hub.cli.contracts import sources, sources_options
from hub.cli.output import emit, fail, json_option, table
from hub.contracts.impact import CandidateError, ImpactReport, schema_impact
from hub.contracts.reference import reference_connectors

schemas_option = click.option(
    "--schemas",
    "schemas_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Catalogue folder [env HUB_SCHEMAS_DIR; the repository's schemas/].",
)


def _load(schemas_dir: Path | None, as_json: bool) -> Catalogue:
    try:
        return load_catalogue(schemas_dir or default_schemas_dir())
    except CatalogueError as error:
        fail(str(error), as_json)


@click.group()
def schemas() -> None:
    """The event catalogue: types, versions, schemas and their compatibility."""


@schemas.command(name="list")
@schemas_option
@json_option
def list_types(schemas_dir: Path | None, as_json: bool) -> None:
    """Every event type: versions, canonical version, producers, policy."""
    catalogue = _load(schemas_dir, as_json)
    types = [
        {
            "type": event_type.name,
            "versions": list(event_type.versions),
            "canonical_version": event_type.canonical_version,
            "producers": list(event_type.producers),
            "compatibility": event_type.compatibility.value,
            "summary": event_type.summary,
        }
        for event_type in catalogue.types.values()
    ]
    emit({"schemas": str(catalogue.root), "types": types}, as_json, _render_list)


def _render_list(out: Console, data: dict[str, Any]) -> None:
    rows = [
        (
            t["type"],
            ", ".join(f"v{n}" for n in t["versions"]),
            f"v{t['canonical_version']}",
            ", ".join(t["producers"]),
            t["compatibility"],
        )
        for t in data["types"]
    ]
    columns = ("type", "versions", "canonical", "producers", "policy")
    out.print(table(f"Event types in {data['schemas']}", columns, rows))


@schemas.command()
@click.argument("type_name", metavar="TYPE")
@click.option("--version", "version", type=int, default=None, help="Major version [canonical].")
@click.option("--bundled", is_flag=True, help="Inline the shared definitions ($defs).")
@schemas_option
@json_option
def show(
    type_name: str, version: int | None, bundled: bool, schemas_dir: Path | None, as_json: bool
) -> None:
    """One version of a type: its fields for people, the schema itself with --json."""
    catalogue = _load(schemas_dir, as_json)
    event_type = catalogue.types.get(type_name)
    if event_type is None:
        fail(f"unknown event type {type_name!r}; known: {', '.join(catalogue.types)}", as_json)
    number = event_type.canonical_version if version is None else version
    schema_version = event_type.versions.get(number)
    if schema_version is None:
        known = ", ".join(f"v{n}" for n in event_type.versions)
        fail(f"{type_name} has no version {number}; it has {known}", as_json)
    schema = schema_version.bundled if bundled else schema_version.schema
    fields = list(_fields(dereference(schema_version.schema, catalogue.defs)))

    def render(out: Console, _: Any) -> None:
        out.print(f"[bold]{type_name}[/] v{number}  {schema_version.schema_id}")
        out.print(str(schema.get("description", "")))
        out.print(f"producers: {', '.join(event_type.producers)}; {event_type.compatibility}")
        out.print(table("Fields", ("field", "type", "required", "marks", "title"), fields))
        if bundled:
            out.print(json.dumps(schema, indent=2, ensure_ascii=False), markup=False)

    emit(schema, as_json, render)


def _fields(schema: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, ...]]:
    """Rows for every declared field: dotted name (`victims[].contact`), type, marks."""
    required = set(schema.get("required", ()))
    for name, child in schema.get("properties", {}).items():
        dotted = f"{prefix}.{name}" if prefix else name
        marks = [
            mark
            for mark, key in (("pii", "x-pii"), ("enriched", "x-enriched-by-hub"))
            if child.get(key)
        ] + [str(child.get("x-classification", ""))]
        kind = str(child.get("type", "enum" if "enum" in child else "")) + (
            f" ({child['format']})" if "format" in child else ""
        )
        yes = "yes" if name in required else ""
        yield dotted, kind, yes, " ".join(filter(None, marks)), str(child.get("title", ""))
        yield from _fields(child, dotted)
    items = schema.get("items")
    if isinstance(items, Mapping):
        yield from _fields(items, f"{prefix}[]")


@schemas.command()
@schemas_option
@json_option
def check(schemas_dir: Path | None, as_json: bool) -> None:
    """Every schema, example and version pair against the catalogue's rules.

    Exits 1 on any violation.
    """
    report = check_catalogue(schemas_dir or default_schemas_dir())
    emit(report.as_json(), as_json, lambda out, _: _render_check(out, report))
    if not report.ok:
        raise SystemExit(1)


def _render_check(out: Console, report: CheckReport) -> None:
    if report.ok:
        for summary in report.types:
            versions = ", ".join(
                f"v{v.version} ({v.valid_examples} valid, {v.invalid_examples} invalid examples)"
                for v in summary.versions
            )
            out.print(f"[green]ok[/] {summary.name}: {versions}; {summary.policy}")
    else:
        rows = [
            (v.type_name, ", ".join(f"v{n}" for n in v.versions), v.rule, v.path, v.message)
            for v in report.violations
        ]
        columns = ("type", "versions", "rule", "path", "message")
        out.print(table("Catalogue violations", columns, rows))
    for change in report.bridged:
        out.print(f"[cyan]bridged by upcasters[/] {change.message}")
    for note in report.notes:
        out.print(f"[yellow]note[/] {note}")
    verdict = "[green]catalogue ok[/]" if report.ok else "[red]catalogue has violations[/]"
    out.print(f"{verdict}: {len(report.types)} types, {len(report.violations)} violations")


@schemas.command()
@click.option("--check", "only_check", is_flag=True, help="List drifted models; exit 1 if any.")
@schemas_option
@json_option
def models(only_check: bool, schemas_dir: Path | None, as_json: bool) -> None:
    """Regenerate the pydantic models in hub/models/generated from the schemas."""
    catalogue = _load(schemas_dir, as_json)
    target = generated_dir()
    if only_check:
        drifted = drifted_models(catalogue, target)
        emit({"drifted": drifted}, as_json, lambda out, _: _render_drift(out, drifted))
        if drifted:
            raise SystemExit(1)
        return
    written = [path.name for path in write_models(catalogue, target)]
    emit(
        {"written": written, "directory": str(target)},
        as_json,
        lambda out, _: out.print(f"{len(written)} model files written to {target}"),
    )


def _render_drift(out: Console, drifted: list[str]) -> None:
    if not drifted:
        out.print("[green]models match the schemas[/]")
        return
    for name in drifted:
        out.print(f"[red]drifted[/] {name}")
    out.print("run `hub schemas models` to regenerate them")


@schemas.command()
@click.argument("type_name", metavar="TYPE")
@click.option(
    "--candidate",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    required=True,
    help="The proposed schema file (vN.schema.json; examples/vN/ beside it are used).",
)
@sources_options
@json_option
def impact(
    *,
    type_name: str,
    candidate: Path,
    schemas_dir: Path | None,
    contracts_dir: Path | None,
    routes_file: Path | None,
    as_json: bool,
) -> None:
    """Which consumers' contracts and which routes a proposed version would break.

    Exits 1 when it breaks any.
    """
    try:
        report = schema_impact(
            sources(schemas_dir, contracts_dir, routes_file),
            type_name,
            candidate,
            reference_connectors(),
        )
    except CandidateError as error:
        fail(str(error), as_json)
    emit(report.as_json(), as_json, lambda out, _: _render_impact(out, report))
    if not report.ok:
        raise SystemExit(1)


def _render_impact(out: Console, report: ImpactReport) -> None:
    role = "the canonical version" if report.becomes_canonical else "an older version"
    out.print(f"[bold]{report.type_name}[/] v{report.version} as {role}")
    for consumer, found in report.consumers.items():
        rows = [(f.check, f"v{f.version}" if f.version else "", f.path, f.message) for f in found]
        out.print(
            table(
                f"Breaks the contract of {consumer}", ("check", "version", "path", "problem"), rows
            )
        )
    for provider, found in report.providers.items():
        sent = [(f"v{f.version}", f.path, f.message) for f in found]
        out.print(table(f"Breaks what {provider} sends", ("version", "path", "problem"), sent))
    if report.routes:
        routed = [(r.recipient, r.field, r.problem) for r in report.routes]
        out.print(table("Breaks routes", ("recipient", "field", "problem"), routed))
    if report.catalogue:
        rules = [(f.path, f.message) for f in report.catalogue]
        out.print(table("Breaks catalogue rules", ("path", "problem"), rules))
    for note in report.notes:
        out.print(f"[yellow]note[/] {note}")
    if report.ok:
        out.print("[green]no consumer, route or catalogue rule is broken[/]")
    else:
        consumers = ", ".join(report.consumers) or "none"
        providers = ", ".join(report.providers) or "none"
        out.print(
            f"[red]breaks[/] consumers: {consumers}; providers: {providers}; "
            f"{len(report.routes)} routed fields; {len(report.catalogue)} catalogue rules"
        )
