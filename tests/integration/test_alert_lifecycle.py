"""A victim alert is acknowledged, or repeated and then escalated: never silently lost."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator, Sequence
from typing import Any

import orjson
import pytest

from hub.app import build_processor
from hub.kafka.io import ConsumedRecord, read_topic
from hub.kafka.service import HubService
from hub.ops.victims import alert_states
from hub.pipeline.alert_policy import AlertPolicy
from hub.settings import KafkaSettings
from tests.e2e.conftest import run_hub
from tests.events import Event, event, example, koda_event, new_case_id, notification_requested
from tests.integration.conftest import running_hub
from tests.kafka_io import collect, register_case, send

pytestmark = pytest.mark.integration

# Short waits so a test sees repeats and an escalation within seconds, long enough that
# an acknowledgement sent at once arrives in time on a busy machine.
POLICY = AlertPolicy(ack_timeout_ms=4000, repeats=2, urgent_divisor=4)
PAST = POLICY.ack_timeout_ms / 1000 + 2  # seconds: a repeat would have come by then


@pytest.fixture(scope="module")
def alerting_hub(topics: KafkaSettings) -> Iterator[HubService]:
    with running_hub(topics, build_processor(alerts=POLICY)) as service:
        yield service


def _consenting_case(kafka: KafkaSettings, categories: list[str]) -> str:
    case_id = new_case_id()
    register_case(kafka, case_id)
    send(kafka, [notification_requested(case_id, "V001", categories)])
    collect(kafka, "egress.police", {case_id.encode()}, 2, receipts=True)
    return case_id


def _leave(case_id: str, starts_in: dt.timedelta = dt.timedelta(days=10)) -> Event:
    data = example("leave.granted", 1, "ordinary-with-reporting-duty", case_id)
    granted = dt.datetime.fromisoformat(data["grantedAt"])
    length = dt.datetime.fromisoformat(data["window"]["until"]) - dt.datetime.fromisoformat(
        data["window"]["from"]
    )
    starts = granted + starts_in
    data["window"] = {"from": starts.isoformat(), "until": (starts + length).isoformat()}
    return event("leave.granted", 1, "koda", data)


ALERT_TYPES = (b"no.justice.victim.alert", b"no.justice.victim.alert.escalated")


def _alerts(kafka: KafkaSettings, case_id: str, expected: int) -> list[dict[str, Any]]:
    """The alerts and escalations police got for the case, once `expected` have arrived."""

    def alerts(found: Sequence[ConsumedRecord]) -> list[ConsumedRecord]:
        return [r for r in found if r.header("ce_type") in ALERT_TYPES]

    records = read_topic(
        kafka,
        "egress.police",
        keys={case_id.encode()},
        done=lambda found: len(alerts(found)) >= expected,
        timeout=30,
    )
    return [
        {**orjson.loads(r.value or b""), "_type": r.header("ce_type"), "_id": r.header("ce_id")}
        for r in alerts(records)
    ]


def _state(kafka: KafkaSettings, alert_id: str) -> dict[str, Any]:
    return next(s for s in alert_states(kafka) if s["alertId"] == alert_id)


def _becomes(kafka: KafkaSettings, alert_id: str, state: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while _state(kafka, alert_id)["state"] != state:
        assert time.monotonic() < deadline, f"alert {alert_id} did not become {state}"
        time.sleep(0.2)


def _acknowledgement(case_id: str, alert_id: str) -> Event:
    data = {
        "caseId": case_id,
        "alertId": alert_id,
        "acknowledgedAt": dt.datetime.now(dt.UTC).isoformat(),
        "by": "VICTIM",
        "attempt": 1,
    }
    return event("victim.alert.acknowledged", 1, "police", data)


def test_an_alert_acknowledged_in_time_is_not_repeated(
    alerting_hub: HubService, topics: KafkaSettings
) -> None:
    case_id = _consenting_case(topics, ["LEAVE"])
    send(topics, [_leave(case_id)])
    [alert] = _alerts(topics, case_id, 1)
    send(topics, [_acknowledgement(case_id, alert["alertId"])])

    _becomes(topics, alert["alertId"], "ACKNOWLEDGED")
    after_the_timeout = collect(topics, "egress.police", {case_id.encode()}, 10**6, timeout=PAST)

    alerts = [r for r in after_the_timeout if r.header("ce_type") == b"no.justice.victim.alert"]
    assert len(alerts) == 1


def test_an_alert_nobody_acknowledges_is_repeated_then_escalated_once(
    alerting_hub: HubService, topics: KafkaSettings
) -> None:
    case_id = _consenting_case(topics, ["LEAVE"])
    send(topics, [_leave(case_id)])

    found = _alerts(topics, case_id, 1 + POLICY.repeats + 1)  # first, repeats, escalation

    *attempts, escalation = found
    assert [a["sequence"] for a in attempts] == [1, 2, 3]
    assert len({a["alertId"] for a in attempts}) == 1  # one alert, several attempts
    assert len({a["_id"] for a in attempts}) == 3  # each attempt its own record
    assert escalation["_type"] == b"no.justice.victim.alert.escalated"
    assert (escalation["alertId"], escalation["attempts"]) == (attempts[0]["alertId"], 3)
    assert "contact" not in escalation
    assert _state(topics, escalation["alertId"])["state"] == "ESCALATED"
    settled = collect(topics, "egress.police", {case_id.encode()}, 10**6, timeout=3)
    assert len([r for r in settled if r.header("ce_type") in ALERT_TYPES]) == 4  # none twice


def test_a_withdrawn_consent_stops_the_repeats_at_once(
    alerting_hub: HubService, topics: KafkaSettings
) -> None:
    case_id = _consenting_case(topics, ["LEAVE"])
    send(topics, [_leave(case_id)])
    [alert] = _alerts(topics, case_id, 1)
    withdrawal = example("victim.notification-withdrawn", 1, "victim-request", case_id)
    send(topics, [event("victim.notification-withdrawn", 1, "police", withdrawal)])

    _becomes(topics, alert["alertId"], "WITHDRAWN")
    send(topics, [koda_event("leave.started", "ordinary-leave", case_id)])
    later = collect(topics, "egress.police", {case_id.encode()}, 10**6, timeout=PAST)

    alerts = [r for r in later if r.header("ce_type") == b"no.justice.victim.alert"]
    assert len(alerts) == 1  # no repeat, and nothing for the leave that started


def test_a_leave_granted_too_late_to_warn_the_victim_is_alerted_and_flagged(
    alerting_hub: HubService, topics: KafkaSettings
) -> None:
    case_id = _consenting_case(topics, ["LEAVE"])
    send(topics, [_leave(case_id, starts_in=dt.timedelta(hours=3))])
    [alert] = _alerts(topics, case_id, 1)

    state = _state(topics, alert["alertId"])
    listed = run_hub("victims", "pending", "--json", env={"HUB_KAFKA_BOOTSTRAP": topics.bootstrap})

    assert state["lateNotice"] is True
    mine = [a for a in orjson.loads(listed.stdout)["alerts"] if a["alertId"] == alert["alertId"]]
    assert mine and mine[0]["lateNotice"] is True
    assert "contact" not in listed.stdout and "phone" not in listed.stdout


def test_an_urgent_alert_is_repeated_on_the_shorter_wait(
    alerting_hub: HubService, topics: KafkaSettings
) -> None:
    case_id = _consenting_case(topics, ["ESCAPE"])
    send(topics, [koda_event("escape.reported", "closed-prison-high-risk", case_id)])

    first, second = _alerts(topics, case_id, 2)[:2]

    assert (first["urgency"], second["sequence"]) == ("URGENT", 2)
    assert POLICY.wait_ms("URGENT") == POLICY.ack_timeout_ms // 4
