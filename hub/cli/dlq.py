"""`hub dlq list | show | redrive`: the rejects, for operations."""

from __future__ import annotations

import datetime as dt
import getpass
from pathlib import Path
from typing import Any

import click
import orjson
from rich.console import Console

from hub.cli.output import emit, fail, json_option, table
from hub.kafka.io import publish
from hub.ops.dlq import DeadLetter, dead_letters, find_dead_letter, redrive_record
from hub.pipeline.reasons import RejectReason
from hub.settings import KafkaSettings, SigningSettings
from hub.signing import HUB_ORG, load_signer


def _when(timestamp_ms: int) -> str:
    return dt.datetime.fromtimestamp(timestamp_ms / 1000, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def _letter_or_fail(settings: KafkaSettings, position: str, as_json: bool) -> DeadLetter:
    letter = find_dead_letter(settings, position)
    if letter is None:
        fail(f"no dead letter at {position} in hub.dlq (see `hub dlq list`)", as_json)
    return letter


@click.group()
def dlq() -> None:
    """Events the hub rejected: why, and re-driving them once fixed."""


@dlq.command("list")
@click.option("--reason", type=click.Choice([r.value for r in RejectReason]), default=None)
@click.option("--case", "case_id", default=None, help="Only this case id.")
@click.option("--source", default=None, help="Only this ce_source, e.g. urn:no:justice:koda.")
@json_option
def list_(reason: str | None, case_id: str | None, source: str | None, as_json: bool) -> None:
    """Every dead letter, oldest first. POSITION (partition/offset) names one for show/redrive."""
    settings = KafkaSettings.from_env()
    letters = dead_letters(settings, reason=reason, case_id=case_id, source=source)
    data = {"count": len(letters), "deadLetters": [d.summary() for d in letters]}

    def render(out: Console, data: dict[str, Any]) -> None:
        rows = [
            (
                d["position"],
                _when(d["timestampMs"]),
                d["reason"],
                d["actionBy"],
                (d["type"] or "?").removeprefix("no.justice."),
                d["caseId"] or "?",
                d["message"][:70],
            )
            for d in data["deadLetters"]
        ]
        columns = ["position", "time (UTC)", "reason", "who acts", "type", "case", "message"]
        out.print(table(f"{data['count']} dead letters in hub.dlq", columns, rows))

    emit(data, as_json, render)


@dlq.command()
@click.argument("position")
@click.option(
    "--value",
    "show_value",
    is_flag=True,
    help="Also print the original value (it may hold personal data).",
)
@json_option
def show(position: str, show_value: bool, as_json: bool) -> None:
    """One dead letter: its reason, where it failed, and its original envelope."""
    letter = _letter_or_fail(KafkaSettings.from_env(), position, as_json)
    data = letter.summary() | {
        "originalHeaders": {
            name: (value or b"").decode(errors="replace")
            for name, value in letter.original_headers
            if name.startswith(("ce_", "content-type", "hub_"))
        },
        "originalBytes": len(letter.original_value or b""),
    }
    if show_value:
        data["originalValue"] = (letter.original_value or b"").decode(errors="replace")

    def render(out: Console, data: dict[str, Any]) -> None:
        rows = [(key, value) for key, value in data.items() if not isinstance(value, dict)]
        rows += [(f"  {name}", value) for name, value in data["originalHeaders"].items()]
        out.print(table(f"dead letter {position}", ["", ""], rows))

    emit(data, as_json, render)


@dlq.command()
@click.argument("position")
@click.option(
    "--value",
    "value_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="A corrected value (JSON file) to send instead of the original.",
)
@click.option(
    "--by",
    "operator",
    default=getpass.getuser,
    show_default="your user name",
    help="Who re-drives it (kept in the audit log).",
)
@json_option
def redrive(position: str, value_file: Path | None, operator: str, as_json: bool) -> None:
    """Send a dead letter (unchanged, or with --value fixed) through the hub again."""
    settings = KafkaSettings.from_env()
    letter = _letter_or_fail(settings, position, as_json)
    fixed = None
    if value_file is not None:
        fixed = value_file.read_bytes()
        try:
            orjson.loads(fixed)
        except orjson.JSONDecodeError as error:
            fail(f"{value_file} is not JSON: {error}", as_json)
    # A fixed value is signed by the hub (operations act for it); the original keeps its own.
    signer = None if fixed is None else load_signer(SigningSettings.from_env().private_dir, HUB_ORG)
    publish(settings, [redrive_record(letter, operator, fixed, signer)])
    data = {
        "redriven": position,
        "eventId": letter.event_id,
        "caseId": letter.case_id,
        "fixed": fixed is not None,
        "by": operator,
    }

    def render(out: Console, data: dict[str, Any]) -> None:
        what = "a fixed value" if data["fixed"] else "the original"
        out.print(
            f"re-driven {data['redriven']} ({what}); the hub decides it again and "
            f"audits it as re-driven by {data['by']}"
        )

    emit(data, as_json, render)
