"""`hub parked`: events the hub holds until the case they refer to arrives."""

from __future__ import annotations

from typing import Any

import click
from rich.console import Console

from hub.cli.output import emit, json_option, table
from hub.ops.parked import parked_events
from hub.ops.times import utc_text
from hub.settings import KafkaSettings


@click.command("parked")
@json_option
def parked_command(as_json: bool) -> None:
    """Events parked for a missing reference (e.g. a judgment before its case.registered)
    and not decided yet, oldest first; ids and codes only."""
    emit({"parked": parked_events(KafkaSettings.from_env())}, as_json, render_parked)


def _clock(ms: int | None) -> str:
    if ms is None:
        return ""
    return utc_text(ms, "%H:%M:%S UTC")


def render_parked(out: Console, data: dict[str, Any]) -> None:
    rows = [
        (
            p["caseId"],
            p["eventId"],
            p["type"],
            p["agency"],
            (p["missingReference"] or {}).get("awaitedType", ""),
            f"{p['ageSeconds']} s",
            _clock(p["parkedUntilMs"]),
            p["ingress"],
        )
        for p in data["parked"]
    ]
    columns = ["case", "event", "type", "agency", "awaits", "age", "until", "ingress"]
    out.print(table(f"{len(rows)} parked events", columns, rows))
