"""`hub trace CASE_ID`: one case across every hop, for operations."""

from __future__ import annotations

from typing import Any

import click
from rich.console import Console

from hub.cli.output import emit, fail, json_option, table
from hub.ops.times import utc_text
from hub.ops.trace import trace_case
from hub.settings import KafkaSettings


def _clock(ms: int | None) -> str:
    if ms is None:
        return "?"
    return utc_text(ms, "%H:%M:%S.%f")[:-3]


@click.command()
@click.argument("case_id")
@json_option
def trace(case_id: str, as_json: bool) -> None:
    """Every event of a case, each hop and its timing, from the audit log."""
    events = trace_case(KafkaSettings.from_env(), case_id)
    if not events:
        fail(f"no events of case {case_id} in the audit log", as_json)
    data = {"caseId": case_id, "events": events}

    def render(out: Console, data: dict[str, Any]) -> None:
        rows = []
        for e in data["events"]:
            decided = f"{e['action']}" + (f" {e['reason']}" if e["reason"] else "")
            rows.append(
                (
                    _clock(e["sentAtMs"]),
                    e["from"],
                    e["type"],
                    decided,
                    f"+{e['decidedAfterMs']} ms",
                    "",
                    e["traceId"] or "",
                )
            )
            rows += [
                ("", "", "", f"→ {h['to']}", f"+{h['afterMs']} ms", h["position"], "")
                for h in e["hops"]
            ]
        columns = ["sent (UTC)", "from", "event", "hub", "after", "where", "trace id"]
        out.print(table(f"case {data['caseId']}: {len(data['events'])} events", columns, rows))

    emit(data, as_json, render)
