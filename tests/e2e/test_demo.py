"""`hub demo` as a newcomer runs it: synthetic cases end to end through a real broker."""

from __future__ import annotations

import json

import pytest

from tests.brokers import TestBroker
from tests.e2e.conftest import run_hub

pytestmark = pytest.mark.e2e


def test_demo_json_accounts_for_every_event_as_the_scenario_expects(
    kafka_broker: TestBroker,
) -> None:
    result = run_hub(
        "demo",
        "--cases",
        "10",
        "--seed",
        "7",
        "--json",
        env={"HUB_KAFKA_BOOTSTRAP": kafka_broker.bootstrap},
    )

    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads(result.stdout)
    assert summary["all_as_expected"] is True
    assert summary["unaccounted"] == 0
    assert summary["cases"] == 10
    # Cases 3 and 6 of every ten carry a broken leave and a resend (see hub.demo.scenario).
    assert summary["rejected"] == {"SCHEMA_INVALID": 1}
    assert summary["deduplicated"] == 1
    assert summary["accepted"] == summary["events"] - 2
    assert set(summary["deliveries"]) == {"police", "courts", "koda"}
    assert summary["deliveries"]["koda"] == 10  # one final judgment per case
    assert summary["urgent_alerts"] >= 1  # cases 2 and 7 escape
    assert len(summary["timelines"]) == 10


def test_demo_prints_timelines_and_a_summary_for_people(kafka_broker: TestBroker) -> None:
    result = run_hub(
        "demo",
        "--cases",
        "3",
        "--timelines",
        "1",
        env={"HUB_KAFKA_BOOTSTRAP": kafka_broker.bootstrap},
    )

    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.count("case ") == 1
    assert "every event as expected" in result.stdout
    assert "stage 5/5 KODA releases" in result.stderr
