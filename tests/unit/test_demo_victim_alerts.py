"""The demo's victim alert figures: each alert must end as its victim answers."""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime
from typing import Any

import orjson

from connectors.police.victim_contact import Answers, VictimContact
from hub.demo.run import DemoRun
from hub.demo.victim_alerts import victim_alert_figures
from hub.kafka.io import ConsumedRecord

CASE = "12345678"
_offsets = itertools.count()


def _record(topic: str, type_name: str, data: dict[str, Any], at_ms: int) -> ConsumedRecord:
    headers = (
        ("ce_type", f"no.justice.{type_name}".encode()),
        ("ce_id", str(uuid.uuid4()).encode()),
    )
    value = orjson.dumps(data)
    return ConsumedRecord(topic, 0, next(_offsets), CASE.encode(), value, headers, at_ms)


def _trigger(at_ms: int) -> ConsumedRecord:
    return _record("ingress.koda", "leave.granted", {"caseId": CASE}, at_ms)


def _notices(trigger: ConsumedRecord, victim: str, count: int, at_ms: int) -> list[ConsumedRecord]:
    """The hub's notices of one alert: the same alertId, sequence 1..count."""
    alert = {
        "caseId": CASE,
        "alertId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{trigger.offset}/{victim}")),
        "victimId": victim,
        "trigger": {"eventId": (trigger.header("ce_id") or b"").decode()},
        "urgency": "NORMAL",
    }
    return [
        _record("egress.police", "victim.alert", {**alert, "sequence": n}, at_ms + 1000 * n)
        for n in range(1, count + 1)
    ]


def _run(
    ingress: list[ConsumedRecord],
    egress: list[ConsumedRecord],
    states: dict[str, str],
    victims: list[VictimContact],
    due: set[tuple[str, str]],
) -> DemoRun:
    return DemoRun(
        bootstrap="-",
        seed=1,
        case_ids=(CASE,),
        cases_ended=1,
        bad_senders=(),
        ingress=tuple(ingress),
        audit=(),
        egress=tuple(egress),
        alerts_due=frozenset(due),
        alerts_given=(),
        alert_states=tuple(
            {"alertId": a, "caseId": CASE, "state": s, "lateNotice": False}
            for a, s in states.items()
        ),
        victims=tuple(victims),
        latencies_ms=(),
        seconds=1.0,
    )


def _alert_id(record: ConsumedRecord) -> str:
    return str(orjson.loads(record.value or b"{}")["alertId"])


def _due(trigger: ConsumedRecord, *victims: str) -> set[tuple[str, str]]:
    return {((trigger.header("ce_id") or b"").decode(), v) for v in victims}


def test_alerts_that_end_as_their_victims_answer_are_counted_with_their_latency() -> None:
    trigger = _trigger(1_000)
    answers = _notices(trigger, "V001", 1, 1_000)  # first notice after 1,000 ms
    never = _notices(trigger, "V002", 3, 1_500)  # after 1,500 ms
    escalation = _record(
        "egress.police", "victim.alert.escalated", {"alertId": _alert_id(never[0])}, 9_000
    )
    withdrawn = _record("ingress.police", "victim.notification-withdrawn", {"caseId": CASE}, 2_000)
    victims = [
        VictimContact(CASE, "V001", Answers.FIRST_NOTICE, None),
        VictimContact(CASE, "V002", Answers.NEVER, None),
    ]
    states = {_alert_id(answers[0]): "ACKNOWLEDGED", _alert_id(never[0]): "ESCALATED"}

    figures = victim_alert_figures(
        _run(
            [trigger, withdrawn],
            [*answers, *never, escalation],
            states,
            victims,
            _due(trigger, "V001", "V002"),
        )
    )

    assert figures["victim_alert_problems"] == []
    assert (figures["victim_alerts"], figures["victim_alert_notices"]) == (2, 4)
    assert (figures["victim_alerts_acknowledged"], figures["victim_alerts_escalated"]) == (1, 1)
    assert figures["victim_alert_latency_ms"] == {"p50": 1500, "p99": 1500, "max": 1500}
    assert (figures["victims_never_answering"], figures["consents_withdrawn"]) == (1, 1)


def test_an_alert_that_ends_otherwise_than_its_victim_answers_is_a_problem() -> None:
    trigger = _trigger(0)
    answered = _notices(trigger, "V001", 3, 0)
    never = _notices(trigger, "V002", 1, 0)
    victims = [
        VictimContact(CASE, "V001", Answers.A_REPEAT, None),
        VictimContact(CASE, "V002", Answers.NEVER, datetime.fromisoformat("2025-01-01T00:00Z")),
    ]
    # V001 answered a repeat yet was escalated (and no escalation sent); V002 withdrew: fine.
    states = {_alert_id(answered[0]): "ESCALATED", _alert_id(never[0]): "WITHDRAWN"}

    figures = victim_alert_figures(
        _run([trigger], [*answered, *never], states, victims, _due(trigger, "V001", "V002"))
    )

    assert figures["victim_alert_problems"] == [
        f"{_alert_id(answered[0])}: ESCALATED, expected ACKNOWLEDGED",
        f"{_alert_id(answered[0])}: ESCALATED, escalation sent: False",
    ]


def test_an_alert_not_due_or_a_due_one_never_sent_or_two_for_one_trigger_are_problems() -> None:
    trigger = _trigger(0)
    first = _notices(trigger, "V001", 1, 0)
    second = _record(
        "egress.police",
        "victim.alert",
        {**orjson.loads(first[0].value or b"{}"), "alertId": str(uuid.uuid4())},
        10,
    )
    unasked = _notices(trigger, "V003", 1, 0)
    victims = [VictimContact(CASE, v, Answers.FIRST_NOTICE, None) for v in ("V001", "V002", "V003")]
    states = {_alert_id(r): "ACKNOWLEDGED" for r in (first[0], second, unasked[0])}

    problems = victim_alert_figures(
        _run([trigger], [*first, second, *unasked], states, victims, _due(trigger, "V001", "V002"))
    )["victim_alert_problems"]

    trigger_id = (trigger.header("ce_id") or b"").decode()
    assert problems == [
        f"{trigger_id} for V001: 2 alerts",
        f"{trigger_id} for V002: due, never alerted",
        f"{trigger_id} for V003: alerted, not due",
    ]
