"""`hub audit verify`: prove the audit log unbroken and every event accounted for."""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Any

import click
from rich.console import Console

from hub.catalogue.catalogue import default_schemas_dir, load_catalogue
from hub.cli.output import emit, error_console, json_option, table
from hub.ops.audit import verify_audit
from hub.ops.shift_log import operator_actions
from hub.ops.times import utc_text
from hub.pipeline.route import default_routes_path, load_routes
from hub.settings import KafkaSettings


@click.group()
def audit() -> None:
    """The hash-chained audit log, for auditors."""


@audit.command()
@json_option
def verify(as_json: bool) -> None:
    """Check the chain, that every ingress event is accounted for, and every delivery made.

    Exit code 1 when anything does not hold; the first broken link of a chain
    is named by its partition and sequence number.
    """
    settings = KafkaSettings.from_env()
    routes = load_routes(default_routes_path(), load_catalogue(default_schemas_dir()))
    if not as_json:
        error_console().print(
            f"reading hub.audit, ingress, egress and hub.dlq on {settings.bootstrap}"
        )
    report = verify_audit(settings, routes)
    data = {
        "ok": report.ok,
        "records": report.records,
        "chains": {str(p): n for p, n in sorted(report.chains.items())},
        "ingress_records": report.ingress_records,
        "accepted": report.accepted,
        "rejected": report.rejected,
        "deduplicated": report.deduplicated,
        "parked": report.parked,
        "operator_actions": report.operator_actions,
        "deliveries_checked": report.deliveries_checked,
        "problems": [asdict(p) for p in report.problems],
    }

    def render(out: Console, data: dict[str, Any]) -> None:
        verdict = (
            "[green]verified[/]" if data["ok"] else f"[red]{len(data['problems'])} problems[/]"
        )
        out.print(f"audit log {verdict}: {data['records']} records in {len(data['chains'])} chains")
        out.print(
            f"  {data['ingress_records']} ingress records: {data['accepted']} accepted, "
            f"{data['rejected']} rejected, {data['deduplicated']} deduplicated, "
            f"{data['parked']} still parked; {data['operator_actions']} operators' actions"
        )
        out.print(f"  {data['deliveries_checked']} deliveries and dead letters found where named")
        if data["problems"]:
            rows = [
                (p["check"], p["partition"], p["sequence"], p["message"]) for p in data["problems"]
            ]
            out.print(table("problems", ["check", "partition", "sequence", "what"], rows[:50]))

    emit(data, as_json, render)
    if not report.ok:
        raise SystemExit(1)


@audit.command()
@click.option("--hours", default=24.0, show_default=True, help="How far back to look.")
@json_option
def actions(hours: float, as_json: bool) -> None:
    """What operators did: locks, closes, reveals and re-drives, with the hub's decisions."""
    since_ms = int((time.time() - hours * 3600) * 1000)
    found = operator_actions(KafkaSettings.from_env(), since_ms=since_ms)
    data = {"sinceMs": since_ms, "count": len(found), "actions": found}

    def render(out: Console, data: dict[str, Any]) -> None:
        rows = [
            (
                utc_text(a["atMs"]),
                a["operator"],
                a["action"],
                a["target"],
                a["caseId"] or "",
                a.get("field") or a.get("decision") or "",
            )
            for a in data["actions"]
        ]
        columns = ["time (UTC)", "operator", "action", "dead letter", "case", "field / decision"]
        out.print(
            table(f"{data['count']} operators' actions in the last {hours:g} h", columns, rows)
        )

    emit(data, as_json, render)
