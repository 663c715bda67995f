"""`hub demo` as a newcomer runs it: synthetic cases end to end through a real broker."""

from __future__ import annotations

import json

import pytest

from tests.brokers import SessionBroker
from tests.e2e.conftest import run_hub

pytestmark = pytest.mark.e2e


def test_demo_json_accounts_for_every_event_as_the_scenario_expects(
    kafka_broker: SessionBroker,
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
    assert (summary["cases"], summary["cases_completed"]) == (10, 10)
    assert (summary["lost"], summary["duplicates"], summary["unexpected_deliveries"]) == (0, 0, 0)
    assert summary["victim_alerts"] == summary["victim_alerts_expected"] > 0
    # Case 3 of every ten carries a broken leave, case 6 a resend, and the bad senders
    # a malformed value, a spoofed source and a schema violation (see hub.demo.scenario).
    assert summary["rejected"] == {
        "DECODE_ERROR": 1,
        "SCHEMA_INVALID": 2,
        "UNAUTHORIZED_SOURCE": 1,
    }
    assert summary["deduplicated"] == 1
    assert summary["accepted"] == summary["events_published"] - 5
    assert set(summary["deliveries"]) == {"police", "courts", "koda"}
    assert summary["deliveries"]["koda"] == 10  # one final judgment per case
    assert summary["urgent_alerts"] >= 1  # cases 2 and 7 escape
    assert len(summary["timelines"]) == 10


def test_demo_prints_timelines_and_a_summary_for_people(kafka_broker: SessionBroker) -> None:
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
    assert "KODA releases" in result.stderr
