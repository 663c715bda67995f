"""`hub receipts EVENT_ID | --case ID`: an event's delivery state per recipient."""

from __future__ import annotations

from typing import Any

import click
from rich.console import Console

from hub.cli.output import emit, fail, json_option, table
from hub.ops.receipts import delivery_states, read_receipts
from hub.settings import KafkaSettings


@click.command()
@click.argument("event_id", required=False)
@click.option("--case", "case_id", metavar="ID", help="Every event of this case.")
@json_option
def receipts(event_id: str | None, case_id: str | None, as_json: bool) -> None:
    """What the hub answered each sender, and who has confirmed each event."""
    if (event_id is None) == (case_id is None):
        fail("give an EVENT_ID or --case ID (one of them)", as_json)
    found = read_receipts(KafkaSettings.from_env(), case_id=case_id)
    events = [e for e in delivery_states(found) if event_id is None or e["eventId"] == event_id]
    if not events:
        fail(
            f"no receipts for {'event ' + event_id if event_id else 'case ' + str(case_id)}",
            as_json,
        )
    data = {"eventId": event_id, "caseId": case_id, "events": events}

    def render(out: Console, data: dict[str, Any]) -> None:
        rows = []
        for e in data["events"]:
            answer = e["status"] + (f" {e['reason']} ({e['actionBy']})" if "reason" in e else "")
            where = ", ".join(f"{a}: {r['state']}" for a, r in sorted(e["recipients"].items()))
            kind = (e["eventType"] or "?").removeprefix("no.justice.")
            rows.append(
                (e["eventId"], e["eventSource"].rsplit(":", 1)[-1], kind, answer, where or "-")
            )
        columns = ["event", "from", "type", "hub answered", "recipients"]
        out.print(table(f"{len(data['events'])} events", columns, rows))

    emit(data, as_json, render)
