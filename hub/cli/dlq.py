"""`hub dlq list | show | lock | unlock | close | redrive`: the rejects, for operations.

Every command reads the work list (hub/ops/worklist.py) the console reads, and
every action goes to `hub.redrive`, where the hub audits it with the operator's id.
"""

from __future__ import annotations

import getpass
import time
from pathlib import Path
from typing import Any

import click
import orjson
from rich.console import Console

from hub.cli.output import emit, fail, json_option, table
from hub.kafka.io import publish
from hub.kafka.topology import AGENCIES
from hub.ops.dlq import redrive_record
from hub.ops.times import utc_text
from hub.ops.worklist import (
    OperatorAction,
    WorkItem,
    WorkState,
    lock_problem,
    operator_action_record,
    utc_clock,
    work_item,
    work_items,
)
from hub.pipeline.reasons import RejectReason
from hub.settings import KafkaSettings, SigningSettings
from hub.signing import HUB_ORG, load_signer


def _when(timestamp_ms: int) -> str:
    return utc_text(timestamp_ms)


def _now_ms() -> int:
    return int(time.time() * 1000)


def _item_or_fail(settings: KafkaSettings, position: str, as_json: bool) -> WorkItem:
    item = work_item(settings, position)
    if item is None:
        fail(f"no dead letter at {position} in hub.dlq (see `hub dlq list`)", as_json)
    return item


def _may_act(item: WorkItem, operator: str, as_json: bool) -> None:
    """Refuse when someone else holds the lock or nothing is left to do."""
    if (problem := lock_problem(item, operator, _now_ms())) is not None:
        fail(problem, as_json, state=item.state.value)


operator_option = click.option(
    "--by",
    "operator",
    default=getpass.getuser,
    show_default="your user name",
    help="Who acts (kept in the audit log).",
)


@click.group()
def dlq() -> None:
    """Events the hub rejected: why, and re-driving them once fixed."""


def _holder(lock: dict[str, Any] | None) -> str:
    return "" if lock is None else f"{lock['operator']} since {utc_clock(lock['sinceMs'])}"


@dlq.command("list")
@click.option(
    "--state",
    "states",
    type=click.Choice([s.value for s in WorkState]),
    multiple=True,
    help="Only these states (repeatable); by default those not done: OPEN, LOCKED, REDRIVEN.",
)
@click.option("--agency", type=click.Choice(AGENCIES), default=None, help="Only this sender's.")
@click.option("--reason", type=click.Choice([r.value for r in RejectReason]), default=None)
@click.option("--type", "type_", default=None, help="Only this event type, e.g. leave.granted.")
@click.option("--case", "case_id", default=None, help="Only this case id.")
@click.option("--source", default=None, help="Only this ce_source, e.g. urn:no:justice:koda.")
@json_option
def list_(  # click passes options by name
    *,
    states: tuple[str, ...],
    agency: str | None,
    reason: str | None,
    type_: str | None,
    case_id: str | None,
    source: str | None,
    as_json: bool,
) -> None:
    """The work list: dead letters oldest first, with their state and who holds each.
    POSITION (partition/offset) names one for show, lock, unlock, close and redrive."""
    items = work_items(
        KafkaSettings.from_env(),
        agency=agency,
        reason=reason,
        type_=type_,
        states=[WorkState(s) for s in states] or None,
        case_id=case_id,
        source=source,
    )
    summaries = [item.summary() for item in items]
    data = {"count": len(items), "states": list(states) or None, "deadLetters": summaries}

    def render(out: Console, data: dict[str, Any]) -> None:
        rows = [
            (
                d["position"],
                _when(d["timestampMs"]),
                d["agency"] or "?",
                d["state"],
                _holder(d["lock"]),
                d["reason"],
                (d["type"] or "?").removeprefix("no.justice."),
                d["caseId"] or "?",
                d["message"][:60],
            )
            for d in data["deadLetters"]
        ]
        columns = ["position", "time (UTC)", "from", "state", "locked by", "reason", "type"]
        columns += ["case", "message"]
        shown = ", ".join(data["states"] or ["not done"])
        out.print(table(f"{data['count']} dead letters in hub.dlq ({shown})", columns, rows))

    emit(data, as_json, render)


@dlq.command()
@click.argument("position")
@click.option(
    "--value",
    "show_value",
    is_flag=True,
    help="Also print the original value and operators' notes (they may hold personal data).",
)
@json_option
def show(position: str, show_value: bool, as_json: bool) -> None:
    """One dead letter: its reason, where it failed, its original envelope, its state,
    who holds it, and everything operators and the hub did to it."""
    item = _item_or_fail(KafkaSettings.from_env(), position, as_json)
    letter = item.letter
    data = item.summary() | {
        "originalHeaders": {
            name: (value or b"").decode(errors="replace")
            for name, value in letter.original_headers
            if name.startswith(("ce_", "content-type", "hub_"))
        },
        "originalBytes": len(letter.original_value or b""),
    }
    if show_value:
        data["originalValue"] = (letter.original_value or b"").decode(errors="replace")
        data["notes"] = [
            {"atMs": entry.at_ms, "operator": entry.operator, "note": entry.note}
            for entry in item.history
            if entry.note is not None
        ]

    def render(out: Console, data: dict[str, Any]) -> None:
        skipped = ("headers", "history", "lock", "outcome", "notes")
        rows = [
            (key, value)
            for key, value in data.items()
            if key not in skipped and not isinstance(value, dict)
        ]
        rows.append(("lock", _holder(data["lock"]) or "none"))
        rows += [(f"  {name}", value) for name, value in data["originalHeaders"].items()]
        out.print(table(f"dead letter {position}", ["", ""], rows))
        history = [
            (_when(e["atMs"]), e["what"], e["operator"] or "hub", e["detail"] or "")
            for e in data["history"]
        ]
        out.print(table("history", ["time (UTC)", "what", "who", "detail"], history))
        for note in data.get("notes", []):
            out.print(f"note by {note['operator']} at {_when(note['atMs'])}: {note['note']}")

    emit(data, as_json, render)


def _act(
    item: WorkItem,
    action: OperatorAction,
    operator: str,
    as_json: bool,
    *,
    note: str | None = None,
) -> None:
    """Write the action to hub.redrive (the hub audits it) and say what was done."""
    now = _now_ms()
    record = operator_action_record(item.letter, action, operator, note=note, now_ms=now)
    publish(KafkaSettings.from_env(), [record])
    data = {"position": item.position, "action": action.value, "by": operator, "atMs": now}

    def render(out: Console, data: dict[str, Any]) -> None:
        done = {"LOCK": "locked", "UNLOCK": "unlocked", "CLOSE": "closed"}[data["action"]]
        out.print(
            f"{done} hub.dlq {data['position']} as {data['by']} at {utc_clock(data['atMs'])}; "
            "the hub audits it"
        )

    emit(data, as_json, render)


@dlq.command()
@click.argument("position")
@operator_option
@json_option
def lock(position: str, operator: str, as_json: bool) -> None:
    """Take a dead letter so other operators leave it to you (expires after 30 minutes;
    locking it again renews it)."""
    item = _item_or_fail(KafkaSettings.from_env(), position, as_json)
    _may_act(item, operator, as_json)
    _act(item, OperatorAction.LOCK, operator, as_json)


@dlq.command()
@click.argument("position")
@operator_option
@json_option
def unlock(position: str, operator: str, as_json: bool) -> None:
    """Give back a dead letter you locked."""
    item = _item_or_fail(KafkaSettings.from_env(), position, as_json)
    _may_act(item, operator, as_json)
    if item.lock is None:
        fail(f"hub.dlq {position} is not locked", as_json, state=item.state.value)
    _act(item, OperatorAction.UNLOCK, operator, as_json)


@dlq.command()
@click.argument("position")
@click.option(
    "--note",
    required=True,
    help="Why it needs no re-drive (audited as a digest; it may name people, so keep it short).",
)
@operator_option
@json_option
def close(position: str, note: str, operator: str, as_json: bool) -> None:
    """Close a dead letter that needs no re-drive, saying why."""
    if not note.strip():
        fail("a close needs a note saying why", as_json)
    item = _item_or_fail(KafkaSettings.from_env(), position, as_json)
    _may_act(item, operator, as_json)
    _act(item, OperatorAction.CLOSE, operator, as_json, note=note)


@dlq.command()
@click.argument("position")
@click.option(
    "--value",
    "value_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="A corrected value (JSON file) to send instead of the original.",
)
@operator_option
@json_option
def redrive(position: str, value_file: Path | None, operator: str, as_json: bool) -> None:
    """Send a dead letter (unchanged, or with --value fixed) through the hub again.
    Refused while another operator holds it, or when it is done."""
    settings = KafkaSettings.from_env()
    item = _item_or_fail(settings, position, as_json)
    _may_act(item, operator, as_json)
    letter = item.letter
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
