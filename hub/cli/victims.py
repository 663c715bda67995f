"""`hub victims pending`: unacknowledged and escalated victim alerts, the work list."""

from __future__ import annotations

import time
from typing import Any

import click
from rich.console import Console

from hub.cli.output import emit, json_option, table
from hub.ops.victims import alert_states, pending
from hub.settings import KafkaSettings


@click.group()
def victims() -> None:
    """Victim alerts: who still has to be reached."""


@victims.command("pending")
@json_option
def pending_command(as_json: bool) -> None:
    """Alerts not yet acknowledged (SENT, REPEATED) and those escalated to a person at
    police (ESCALATED), oldest first; ids and codes only, never names or contact details."""
    found = pending(alert_states(KafkaSettings.from_env()), time.time_ns() // 1_000_000)
    data = {"alerts": found}

    def render(out: Console, data: dict[str, Any]) -> None:
        rows = [
            (
                a["caseId"],
                a["alertId"],
                a["kind"] + (" (LATE_NOTICE)" if a["lateNotice"] else ""),
                a["urgency"],
                a["state"],
                f"{a['ageSeconds']} s",
                a["attempts"],
            )
            for a in data["alerts"]
        ]
        columns = ["case", "alert", "kind", "urgency", "state", "age", "attempts"]
        out.print(table(f"{len(rows)} victim alerts need someone", columns, rows))

    emit(data, as_json, render)
