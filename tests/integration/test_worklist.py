"""The operators' work list on the real broker: lock, refuse, close, re-drive, all audited."""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path
from typing import Any

import orjson
import pytest

from hub.catalogue.catalogue import default_schemas_dir, load_catalogue
from hub.kafka.io import publish
from hub.kafka.service import HubService
from hub.kafka.topology import AUDIT, REDRIVE
from hub.ops.audit import verify_audit
from hub.ops.dlq import dead_letters
from hub.ops.worklist import OperatorAction, WorkState, operator_action_record, work_item
from hub.pipeline.records import OutgoingRecord
from hub.pipeline.route import default_routes_path, load_routes
from hub.settings import KafkaSettings
from tests.e2e.conftest import run_hub
from tests.integration.test_dlq_redrive import _dead_lettered_leave
from tests.kafka_io import collect

pytestmark = pytest.mark.integration


def _dlq(topics: KafkaSettings, *args: str) -> tuple[int, dict[str, Any], str]:
    """`hub dlq ARGS --json`: exit code, its JSON document and its error line."""
    result = run_hub("dlq", *args, "--json", env={"HUB_KAFKA_BOOTSTRAP": topics.bootstrap})
    return result.returncode, json.loads(result.stdout or "{}"), result.stderr


def _verified(topics: KafkaSettings, case_id: str) -> int:
    """`hub audit verify`'s checks over this case; the operator actions it counted."""
    routes = load_routes(default_routes_path(), load_catalogue(default_schemas_dir()))
    report = verify_audit(topics, routes, case_ids=[case_id])
    assert report.ok, report.problems
    return report.operator_actions


def test_a_locked_letter_is_refused_to_others_then_closed_with_an_audited_note(
    hub: HubService, topics: KafkaSettings
) -> None:
    case_id, _leave, _fixed, letter = _dead_lettered_leave(topics)
    position = letter.position
    note = f"sender withdrew it; called caseworker Kari Nordmann {uuid.uuid4()}"  # synthetic

    code, locked, _ = _dlq(topics, "lock", position, "--by", "op-night-1")
    assert (code, locked["action"], locked["by"]) == (0, "LOCK", "op-night-1")
    for refused in (
        ["lock", position, "--by", "op-night-2"],
        ["close", position, "--note", "mine now", "--by", "op-night-2"],
        ["redrive", position, "--by", "op-night-2"],
    ):
        code, error, stderr = _dlq(topics, *refused)
        assert code == 1, refused
        assert "locked by op-night-1 since" in error["error"]
        assert "locked by op-night-1 since" in stderr
    code, listed, _ = _dlq(topics, "list", "--case", case_id, "--agency", "koda")
    [entry] = listed["deadLetters"]
    assert (entry["state"], entry["lock"]["operator"]) == ("LOCKED", "op-night-1")

    code, _, stderr = _dlq(topics, "close", position, "--note", note, "--by", "op-night-1")
    assert code == 0, stderr

    assert _dlq(topics, "list", "--case", case_id)[1]["count"] == 0  # open ones by default
    code, closed, _ = _dlq(topics, "list", "--case", case_id, "--state", "CLOSED")
    assert [(d["position"], d["state"], d["lock"]) for d in closed["deadLetters"]] == [
        (position, "CLOSED", None)
    ]
    code, shown, _ = _dlq(topics, "show", position)
    assert [(h["what"], h["operator"]) for h in shown["history"]] == [
        ("LOCK", "op-night-1"),
        ("CLOSE", "op-night-1"),
    ]
    assert "Nordmann" not in json.dumps(shown)
    # case registered, leave rejected, then the lock and the close: refusals write nothing
    audits = collect(topics, AUDIT, {case_id.encode()}, 4, settle=1.0)
    bodies = [orjson.loads(r.value or b"") for r in audits]
    operator_records = [b for b in bodies if b["action"] == "OPERATOR"]
    assert [(b["operatorAction"], b["operator"], b["target"]) for b in operator_records] == [
        ("LOCK", "op-night-1", f"hub.dlq/{position}"),
        ("CLOSE", "op-night-1", f"hub.dlq/{position}"),
    ]
    assert operator_records[1]["noteDigest"] == hashlib.sha256(note.encode()).hexdigest()
    assert all(b"Nordmann" not in (r.value or b"") for r in audits)

    # The auditor's shift log, from the audit chain: both actions, the note as its digest.
    env = {"HUB_KAFKA_BOOTSTRAP": topics.bootstrap}
    shift = run_hub("audit", "actions", "--hours", "1", "--json", env=env)
    assert shift.returncode == 0, shift.stderr
    mine = [a for a in json.loads(shift.stdout)["actions"] if a["target"] == f"hub.dlq/{position}"]
    assert [(a["action"], a["operator"]) for a in mine] == [
        ("LOCK", "op-night-1"),
        ("CLOSE", "op-night-1"),
    ]
    assert mine[1]["noteDigest"] == operator_records[1]["noteDigest"]
    assert "Nordmann" not in shift.stdout
    assert _verified(topics, case_id) == 2


def test_a_fixed_redrive_is_delivered_and_the_item_names_its_deliveries(
    hub: HubService, topics: KafkaSettings, tmp_path: Path
) -> None:
    case_id, leave, fixed, letter = _dead_lettered_leave(topics)
    publish(topics, [operator_action_record(letter, OperatorAction.LOCK, "op-day-1")])
    fixed_file = tmp_path / "fixed.json"
    fixed_file.write_text(json.dumps(fixed))

    args = ["redrive", letter.position, "--value", str(fixed_file), "--by", "op-day-1"]
    code, _, stderr = _dlq(topics, *args)
    assert code == 0, stderr
    [delivered] = collect(topics, "egress.police", {case_id.encode()}, 1)

    item = work_item(topics, letter.position)
    assert item is not None
    assert (item.state, item.lock, item.agency) == (WorkState.DELIVERED, None, "koda")
    assert item.outcome is not None
    assert item.outcome.recipients == ["police"]
    assert [(d.position, d.event_id) for d in item.outcome.deliveries] == [
        (f"egress.police/{delivered.partition}/{delivered.offset}", leave.event_id)
    ]
    assert [(h.what, h.operator) for h in item.history] == [
        ("LOCK", "op-day-1"),
        ("REDRIVE", "op-day-1"),
        ("ACCEPT", None),
    ]
    code, error, _ = _dlq(topics, "lock", letter.position, "--by", "op-day-2")
    assert (code, error["state"]) == (1, "DELIVERED")
    env = {"HUB_KAFKA_BOOTSTRAP": topics.bootstrap}
    readable = run_hub("dlq", "show", letter.position, env=env)
    assert readable.returncode == 0, readable.stderr
    for shown in ("DELIVERED", "REDRIVE", "op-day-1", "ACCEPT", "to police"):
        assert shown in readable.stdout
    listed = run_hub("dlq", "list", "--case", case_id, "--state", "DELIVERED", env=env)
    assert "1 dead letters in hub.dlq (DELIVERED)" in listed.stdout
    assert _verified(topics, case_id) == 1


def test_a_malformed_action_is_a_dead_letter_and_the_hub_carries_on(
    hub: HubService, topics: KafkaSettings
) -> None:
    key = f"operator-test-{uuid.uuid4()}".encode()
    headers = (("hub_operator_action", b"LOCK"), ("hub_redrive_of", b"hub.dlq/0/0"))
    malformed = OutgoingRecord(
        REDRIVE, key, b'{"action": "LOCK", "target": "hub.dlq/0/0"}', headers
    )

    publish(topics, [malformed])

    collect(topics, "hub.dlq", {key}, 1)
    [letter] = [d for d in dead_letters(topics) if d.original_key == key]
    assert (letter.reason, letter.path) == ("ENVELOPE_INVALID", "/operator")
    assert letter.message == "operator action record: no operator"
    item = work_item(topics, letter.position)
    assert item is not None and (item.state, item.agency) == (WorkState.OPEN, None)
    # the hub still decides what follows
    case_id, *_ = _dead_lettered_leave(topics)
    assert _verified(topics, case_id) == 0
