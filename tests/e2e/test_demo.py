"""`hub demo` as a newcomer runs it: synthetic cases end to end through hub and connectors."""

from __future__ import annotations

import json

import pytest

from tests.brokers import SessionBroker
from tests.e2e.conftest import run_hub

pytestmark = pytest.mark.e2e


def test_demo_plays_twenty_cases_to_their_end_with_nothing_lost_and_every_alert_ended(
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
    assert summary["victim_alerts"] == summary["victim_alerts_expected"] > 0
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
    # Every notice of an alert (repeats too) and every escalation is a delivery police confirm.
    assert summary["deliveries_made"] == (
        summary["events_delivered"]
        + summary["victim_alert_notices"]
        + summary["victim_alerts_escalated"]
    )
    assert summary["rejection_receipts"] == summary["rejections_naming_reason_and_actor"] == 3
    # Victim alerts end acknowledged, escalated or withdrawn, as each victim answers.
    # Seed 7: among the victims police contact, one never answers and one withdraws.
    assert summary["victims_never_answering"] >= 1
    assert summary["consents_withdrawn"] >= 1
    assert summary["victim_alert_problems"] == []
    ends = (
        summary["victim_alerts_acknowledged"],
        summary["victim_alerts_escalated"],
        summary["victim_alerts_withdrawn"],
    )
    assert sum(ends) == summary["victim_alerts"]
    assert summary["victim_alerts_acknowledged"] > summary["victim_alerts_escalated"] > 0
    # Repeats are further notices of the same alerts: an escalated alert had three.
    assert summary["victim_alert_notices"] >= summary["victim_alerts"] + 2 * ends[1]
    latency = summary["victim_alert_latency_ms"]
    assert latency["p99"] >= latency["p50"] > 0
    assert summary["late_notices"] == 0  # KODA grants leave a week ahead: never late


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
    assert "how the victim alerts ended" in result.stdout
    assert "cases at their end: 3/3" in result.stderr
