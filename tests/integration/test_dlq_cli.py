"""`hub dlq list | show | redrive` as operations run them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hub.kafka.service import HubService
from hub.settings import KafkaSettings
from tests.e2e.conftest import run_hub
from tests.events import case_registered, event, example, new_case_id
from tests.kafka_io import collect, send

pytestmark = pytest.mark.integration


def test_list_show_and_redrive_a_fixed_dead_letter_from_the_command_line(
    hub: HubService, topics: KafkaSettings, tmp_path: Path
) -> None:
    env = {"HUB_KAFKA_BOOTSTRAP": topics.bootstrap}
    case_id = new_case_id()
    fixed = example("leave.granted", 1, "ordinary-with-reporting-duty", case_id)
    broken = {**fixed, "leaveKind": "PERMISJON"}
    send(topics, [case_registered(case_id), event("leave.granted", 1, "koda", broken)])
    collect(topics, "hub.dlq", {case_id.encode()}, 1)

    listed = run_hub("dlq", "list", "--case", case_id, "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    [letter] = json.loads(listed.stdout)["deadLetters"]
    assert (letter["reason"], letter["path"], letter["actionBy"]) == (
        "SCHEMA_INVALID",
        "/leaveKind",
        "SENDER_TECHNICAL",
    )
    assert "PERMISJON" not in letter["message"]  # no values in messages

    shown = run_hub("dlq", "show", letter["position"], "--json", env=env)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["originalHeaders"]["ce_type"] == "no.justice.leave.granted"
    assert "originalValue" not in json.loads(shown.stdout)

    fixed_file = tmp_path / "fixed.json"
    fixed_file.write_text(json.dumps(fixed))
    redriven = run_hub(
        "dlq",
        "redrive",
        letter["position"],
        "--value",
        str(fixed_file),
        "--by",
        "ops-test",
        "--json",
        env=env,
    )
    assert redriven.returncode == 0, redriven.stderr
    assert json.loads(redriven.stdout)["fixed"] is True
    assert len(collect(topics, "egress.police", {case_id.encode()}, 1)) == 1


def test_an_unknown_position_is_a_one_line_error(topics: KafkaSettings) -> None:
    result = run_hub("dlq", "show", "5/999999", env={"HUB_KAFKA_BOOTSTRAP": topics.bootstrap})

    assert result.returncode == 1
    assert "no dead letter at 5/999999 in hub.dlq" in result.stderr
