"""`hub demo` as a newcomer runs it: synthetic cases end to end through hub and connectors."""

from __future__ import annotations

import json

import pytest

from tests.brokers import SessionBroker
from tests.e2e.conftest import run_hub

pytestmark = pytest.mark.e2e


def test_demo_plays_twenty_cases_to_their_end_with_nothing_lost_or_duplicated(
    kafka_broker: SessionBroker,
) -> None:
    result = run_hub(
        "demo",
        "--cases",
        "20",
        "--seed",
        "7",
        "--json",
        env={"HUB_KAFKA_BOOTSTRAP": kafka_broker.bootstrap},
    )

    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads(result.stdout)
    assert summary["all_as_expected"] is True
    assert (summary["cases"], summary["cases_completed"]) == (20, 20)
    assert (summary["lost"], summary["duplicates"], summary["unexpected_deliveries"]) == (0, 0, 0)
    assert summary["unaccounted"] == 0
    assert summary["victim_alerts"] == summary["victim_alerts_expected"]
    assert summary["victim_alerts_recorded_by_police"] == summary["victim_alerts_expected"]
    # The bad senders: a malformed value, a spoofed source, a schema violation; nothing else.
    assert summary["rejected"] == {"DECODE_ERROR": 1, "SCHEMA_INVALID": 1, "UNAUTHORIZED_SOURCE": 1}
    assert summary["events_published"] > 20 * 3
    assert summary["events_delivered"] > 0
    assert set(summary["deliveries"]) <= {"police", "courts", "koda"}
    assert summary["latency_ms"]["p50"] is not None
    assert summary["latency_ms"]["p99"] >= summary["latency_ms"]["p50"]
    assert len(summary["timelines"]) == 20
    # Every event answered to its sender, every delivery confirmed by its recipient.
    assert summary["receipts"] == summary["events_published"]
    assert summary["deliveries_confirmed"] == summary["deliveries_made"]
    assert summary["deliveries_made"] == summary["events_delivered"] + summary["victim_alerts"]
    assert summary["rejection_receipts"] == summary["rejections_naming_reason_and_actor"] == 3


def test_demo_prints_timelines_and_a_summary_for_people(kafka_broker: SessionBroker) -> None:
    result = run_hub(
        "demo",
        "--cases",
        "3",
        "--timelines",
        "1",
        env={"HUB_KAFKA_BOOTSTRAP": kafka_broker.bootstrap},
    )

    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.count("case ") == 1
    assert "every event as expected" in result.stdout
    assert "cases at their end: 3/3" in result.stderr
