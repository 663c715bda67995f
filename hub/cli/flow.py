"""`hub flow`: what came in lately and what became of it, lag per partition, hub instances."""

from __future__ import annotations

from typing import Any

import click
from rich.console import Console

from hub.cli.output import emit, json_option, table
from hub.ops.flow import flow_summary
from hub.ops.times import utc_text
from hub.settings import KafkaSettings

_SHOWN = ("in", "delivered", "rejected", "parked", "duplicates", "other")


@click.command("flow")
@click.option(
    "--minutes", type=click.IntRange(min=1), default=15, show_default=True, help="Window length."
)
@json_option
def flow_command(minutes: int, as_json: bool) -> None:
    """Events in, delivered, rejected, parked and deduplicated per agency and type over
    the last minutes (from hub.audit), consumer lag per ingress partition, and each hub
    instance's readiness. Counts and ids only."""
    emit(flow_summary(KafkaSettings.from_env(), minutes=minutes), as_json, render_flow)


def render_flow(out: Console, data: dict[str, Any]) -> None:
    since = utc_text(data["sinceMs"], "%H:%M:%S UTC")
    heading = f"last {data['windowMinutes']} min (since {since})"
    out.print(
        table(
            f"By agency, {heading}",
            ["agency", *_SHOWN],
            [
                *([a["agency"], *(a[c] for c in _SHOWN)] for a in data["byAgency"]),
                ["all", *(data["totals"][c] for c in _SHOWN)],
            ],
        )
    )
    out.print(
        table(
            "By type",
            ["agency", "type", *_SHOWN],
            ([t["agency"], t["type"], *(t[c] for c in _SHOWN)] for t in data["byType"]),
        )
    )
    behind = [p for p in data["lag"] if p["lag"]]
    out.print(
        table(
            f"Consumer lag: {data['totalLag']} in all"
            + (f" ({data['lagProblem']})" if "lagProblem" in data else "")
            + ("" if behind else " (every partition caught up)"),
            ["partition", "committed", "end", "lag"],
            (
                [f"{p['topic']}/{p['partition']}", p["committed"], p["end"], p["lag"]]
                for p in data["lag"]
            ),
        )
    )
    out.print(
        table(
            f"Hub instances: group {data['groupState']}"
            + (f" ({data['instancesProblem']})" if "instancesProblem" in data else ""),
            ["member", "client", "host", "partitions", "ready"],
            (
                [
                    i["memberId"],
                    i["clientId"],
                    i["host"],
                    len(i["partitions"]),
                    "yes" if i["ready"] else "no",
                ]
                for i in data["instances"]
            ),
        )
    )
    if not data["instances"]:
        out.print("No hub instance is running (`hub run`).")
