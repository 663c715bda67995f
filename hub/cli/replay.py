"""`hub replay`: re-read the events agencies sent, for audits."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from hub.cli.output import emit, error_console, fail, json_option, table
from hub.kafka.admin import ensure_topics
from hub.kafka.io import publish
from hub.kafka.topology import DEFAULT_PARTITIONS, TopicSpec
from hub.ops.replay import ReplayQuery, as_json_line, replay, to_sandbox
from hub.settings import KafkaSettings


def _instant_ms(text: str | None, *, end: bool) -> int | None:
    """ISO 8601 (`2026-11-25`, `2026-11-25T14:00`, with or without offset; UTC if none)."""
    if text is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError as error:
        raise click.BadParameter(f"{text!r} is not an ISO 8601 date or time") from error
    if len(text) == 10 and end:  # a whole day: up to its last millisecond
        moment += dt.timedelta(days=1, milliseconds=-1)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return int(moment.timestamp() * 1000)


@click.command("replay")
@click.option("--from", "start", default=None, help="Start (ISO 8601, UTC if no offset).")
@click.option("--to", "end", default=None, help="End, inclusive (a date means the whole day).")
@click.option("--case", "case_id", default=None, help="Only this case id.")
@click.option("--type", "event_type", default=None, help="Only this type, e.g. leave.granted.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write JSON lines to this file.",
)
@click.option("--to-topic", default=None, help="Re-publish to this sandbox.* topic instead.")
@json_option
def replay_command(
    *,
    start: str | None,
    end: str | None,
    case_id: str | None,
    event_type: str | None,
    out: Path | None,
    to_topic: str | None,
    as_json: bool,
) -> None:
    """Re-read what the agencies sent, by time window, case or type."""
    if (out is None) == (to_topic is None):
        fail("give exactly one of --out FILE.jsonl or --to-topic sandbox.NAME", as_json)
    if to_topic is not None and not to_topic.startswith("sandbox."):
        fail(f"replays go to sandbox.* topics only, never to {to_topic}", as_json)
    query = ReplayQuery(
        _instant_ms(start, end=False) or 0, _instant_ms(end, end=True), case_id, event_type
    )
    settings = KafkaSettings.from_env()
    status = error_console()

    def progress(count: int) -> None:
        if not as_json:
            status.print(f"\rread {count} matching events", end="")

    records = replay(settings, query, progress)
    if not as_json:
        status.print()
    if out is not None:
        out.write_bytes(b"".join(as_json_line(r) for r in records))
    else:
        assert to_topic is not None
        ensure_topics(settings, [TopicSpec(to_topic, DEFAULT_PARTITIONS, "audit replay sandbox")])
        publish(settings, to_sandbox(records, to_topic))
    by_type: dict[str, int] = {}
    for record in records:
        name = (record.header("ce_type") or b"?").decode().removeprefix("no.justice.")
        by_type[name] = by_type.get(name, 0) + 1
    data = {
        "events": len(records),
        "byType": by_type,
        "to": str(out) if out else to_topic,
        "from": start,
        "until": end,
        "caseId": case_id,
        "type": event_type,
    }

    def render(console: Console, data: dict[str, Any]) -> None:
        console.print(f"{data['events']} events written to {data['to']}")
        console.print(table("by type", ["type", "events"], sorted(data["byType"].items())))

    emit(data, as_json, render)
