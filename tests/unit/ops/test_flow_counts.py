"""The Flow page's counts from audit records: per agency and type, once per event, by minute."""

from __future__ import annotations

from typing import Any

from hub.ops.flow import MINUTE_MS, agency_of, count_flow

NOW = 1_800_000_000_000 // MINUTE_MS * MINUTE_MS + 30_000  # half a minute into a minute
SINCE = NOW - 15 * MINUTE_MS


def audit(action: str, at_ms: int, ingress: str | None = None, **fields: Any) -> dict[str, Any]:
    return {
        "action": action,
        "time_ms": at_ms,
        "source": "urn:no:justice:courts",
        "type": "no.justice.judgment.final",
        **({"ingress": ingress} if ingress else {}),
        **fields,
    }


def row(summary: dict[str, Any], agency: str, event_type: str) -> dict[str, Any]:
    [found] = [r for r in summary["byType"] if (r["agency"], r["type"]) == (agency, event_type)]
    return found


def test_each_decision_counts_under_its_agency_and_type() -> None:
    audits = [
        audit("ACCEPT", NOW - 1000, "ingress.courts/0/1", deliveries=[{"recipient": "koda"}]),
        audit("REJECT", NOW - 2000, "ingress.courts/0/2"),
        audit("DEDUPE", NOW - 3000, "ingress.courts/0/3"),
        audit("PARK", NOW - 4000, "ingress.courts/0/4"),
        audit(
            "ACCEPT",
            NOW - 5000,
            "ingress.police/1/1",
            source="urn:no:justice:police",
            type="no.justice.case.registered",
            deliveries=[],
        ),
    ]

    summary = count_flow(audits, since_ms=SINCE, now_ms=NOW)

    judgments = row(summary, "courts", "judgment.final")
    assert {k: judgments[k] for k in ("in", "delivered", "rejected", "parked", "duplicates")} == {
        "in": 4,
        "delivered": 1,
        "rejected": 1,
        "parked": 1,
        "duplicates": 1,
    }
    registered = row(summary, "police", "case.registered")
    assert (registered["in"], registered["accepted"], registered["delivered"]) == (1, 1, 0)
    assert summary["totals"]["in"] == 5
    assert [a["agency"] for a in summary["byAgency"]] == ["courts", "police"]
    assert summary["byAgency"][0]["in"] == 4


def test_a_parked_event_accepted_later_is_one_event_in() -> None:
    audits = [
        audit("PARK", NOW - 60_000, "ingress.courts/2/7"),
        audit("ACCEPT", NOW - 1000, "ingress.courts/2/7", deliveries=[{"recipient": "koda"}]),
    ]

    summary = count_flow(audits, since_ms=SINCE, now_ms=NOW)

    counts = row(summary, "courts", "judgment.final")
    assert (counts["in"], counts["parked"], counts["delivered"]) == (1, 1, 1)
    assert sum(m["in"] for m in summary["perMinute"]) == 1


def test_alert_and_unknown_actions_count_as_other_and_never_as_in() -> None:
    audits = [
        audit("ALERT_REPEATED", NOW - 1000, source="urn:no:justice:hub", type=None),
        audit("OPERATOR", NOW - 2000, source=None, type=None, operator="ops-1"),
        audit("SOMETHING_NEW", NOW - 3000, "ingress.koda/0/9", source=None),
    ]

    summary = count_flow(audits, since_ms=SINCE, now_ms=NOW)

    assert summary["totals"]["other"] == 3
    assert summary["totals"]["in"] == 0
    assert row(summary, "hub", "unknown")["other"] == 1
    assert row(summary, "koda", "judgment.final")["other"] == 1


def test_records_outside_the_window_are_left_out() -> None:
    audits = [
        audit("ACCEPT", SINCE - 1, "ingress.courts/0/1"),
        audit("REJECT", NOW + 1, "ingress.courts/0/2"),
    ]

    summary = count_flow(audits, since_ms=SINCE, now_ms=NOW)

    assert summary["totals"] == dict.fromkeys(summary["totals"], 0)
    assert summary["byType"] == []


def test_per_minute_buckets_cover_the_window_quiet_minutes_as_zero() -> None:
    audits = [
        audit("REJECT", NOW - 1000, "ingress.courts/0/2"),
        audit("ACCEPT", NOW - 3 * MINUTE_MS, "ingress.courts/0/3", deliveries=[{"r": 1}]),
    ]

    summary = count_flow(audits, since_ms=SINCE, now_ms=NOW)

    minutes = summary["perMinute"]
    assert len(minutes) == 16  # 15 minutes started half-way through one
    assert [m["minuteMs"] for m in minutes] == sorted(m["minuteMs"] for m in minutes)
    assert all(m["minuteMs"] % MINUTE_MS == 0 for m in minutes)
    assert minutes[-1] == {"minuteMs": NOW - 30_000, "in": 1, "delivered": 0, "rejected": 1}
    assert minutes[-4] == {
        "minuteMs": NOW - 30_000 - 3 * MINUTE_MS,
        "in": 1,
        "delivered": 1,
        "rejected": 0,
    }
    assert sum(m["in"] for m in minutes[:-4]) == 0


def test_agency_comes_from_the_source_else_the_ingress_topic() -> None:
    assert agency_of({"source": "urn:no:justice:police"}) == "police"
    assert agency_of({"source": None, "ingress": "ingress.koda/3/4"}) == "koda"
    assert agency_of({"source": None, "ingress": "hub.redrive/0/1"}) == "unknown"
