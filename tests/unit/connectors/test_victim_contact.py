"""Police contact victims: most confirm, some only a reminder, some never; some withdraw."""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from typing import Any

import orjson
import pytest
from faststream.kafka import TestKafkaBroker

from connectors.common.clock import DEFAULT_START, SimulatedClock
from connectors.police.app import PoliceConnector, police_connector
from connectors.police.store import PoliceStore
from connectors.police.victim_contact import (
    ANSWER_WITHIN,
    WITHDRAWS_AFTER_FIRST_NOTICE,
    Answers,
    VictimBehaviour,
    victim_behaviour,
)
from hub.settings import KafkaSettings
from tests.unit.connectors.paper import PaperHub, hub_headers

HUB = "urn:no:justice:hub"
CASE, VICTIM = "24098813", "V002"  # the catalogue's examples: a case police did not register


class MovableClock:
    """Real seconds that pass only when a test says so."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self) -> float:
        return self.seconds


def _seed_for(behaviour: VictimBehaviour) -> int:
    """A seed that makes the examples' victim behave as `behaviour`."""
    return next(s for s in range(1000) if victim_behaviour(s, f"{CASE}/{VICTIM}") == behaviour)


def _notice(alert: dict[str, Any], sequence: int) -> tuple[str, str, dict[str, Any]]:
    """The hub's notice `sequence` of the alert: a new ce_id each time, the same alertId."""
    return "victim.alert", str(uuid.uuid4()), {**alert, "sequence": sequence}


async def _deliver(police: PoliceConnector, items: list[tuple[str, str, dict[str, Any]]]) -> None:
    async with TestKafkaBroker(police.broker) as broker:
        for type_name, event_id, data in items:
            value = orjson.dumps(data)
            headers = hub_headers(type_name, 1, data["caseId"], HUB, event_id, value=value)
            await broker.publish(value, "egress.police", key=CASE.encode(), headers=headers)


def _sent(store: PoliceStore, type_name: str) -> list[dict[str, Any]]:
    return [dict(row.event.data) for row in store.outbox(type_name)]


def test_most_victims_confirm_some_only_a_reminder_some_never_and_a_few_withdraw() -> None:
    behaviours = [victim_behaviour(2026, f"victim-{n}") for n in range(3000)]

    answers = Counter(b.answers for b in behaviours)
    withdraws = sum(b.withdraws for b in behaviours)
    assert 0.13 < answers[Answers.NEVER] / 3000 < 0.20
    assert 0.13 < answers[Answers.A_REPEAT] / 3000 < 0.20
    assert 0.16 < withdraws / 3000 < 0.24
    assert [victim_behaviour(2026, f"victim-{n}") for n in range(3000)] == behaviours
    assert [victim_behaviour(2027, f"victim-{n}") for n in range(3000)] != behaviours


def test_a_victim_confirms_the_notices_their_behaviour_says_and_withdraws_after_answering() -> None:
    assert [Answers.FIRST_NOTICE.confirms(n) for n in (1, 2, 3)] == [True, True, True]
    assert [Answers.A_REPEAT.confirms(n) for n in (1, 2, 3)] == [False, True, True]
    assert [Answers.NEVER.confirms(n) for n in (1, 2, 3)] == [False, False, False]
    # The first notice is confirmed (or not) before a victim withdraws.
    assert ANSWER_WITHIN[1] < WITHDRAWS_AFTER_FIRST_NOTICE


async def test_a_victim_who_answers_confirms_the_alert_once_through_their_lawyer(
    nowhere: KafkaSettings, clock: SimulatedClock, hub_on_paper: PaperHub
) -> None:
    store = PoliceStore()
    seed = _seed_for(VictimBehaviour(Answers.FIRST_NOTICE, withdraws=False))
    police = police_connector(nowhere, store, clock, seed=seed)
    alert = hub_on_paper.example("victim.alert", 1, "leave-granted-to-lawyer")

    # A repeat crossing the confirmation in the post: police do not confirm twice.
    await _deliver(police, [_notice(alert, 1), _notice(alert, 2)])

    [confirmed] = [row.event for row in store.outbox("victim.alert.acknowledged")]
    assert hub_on_paper.problems([confirmed]) == []
    assert confirmed.data == {
        "caseId": CASE,
        "alertId": alert["alertId"],
        "acknowledgedAt": confirmed.data["acknowledgedAt"],
        "by": "REPRESENTATIVE",
        "attempt": 1,
    }
    answered_after = confirmed.due - clock.now()
    assert ANSWER_WITHIN[0] <= answered_after <= ANSWER_WITHIN[1]
    assert store.attempts(alert["alertId"]) == 2
    assert [v.answers for v in store.victims()] == [Answers.FIRST_NOTICE]
    assert _sent(store, "victim.notification-withdrawn") == []


async def test_a_victim_who_misses_the_first_notice_confirms_the_repeat(
    nowhere: KafkaSettings, clock: SimulatedClock, hub_on_paper: PaperHub
) -> None:
    store = PoliceStore()
    seed = _seed_for(VictimBehaviour(Answers.A_REPEAT, withdraws=False))
    police = police_connector(nowhere, store, clock, seed=seed)
    alert = hub_on_paper.example("victim.alert", 1, "escape-urgent-phone")
    alert = {**alert, "caseId": CASE, "victimId": VICTIM}

    await _deliver(police, [_notice(alert, 1)])
    after_first = _sent(store, "victim.alert.acknowledged")
    await _deliver(police, [_notice(alert, 2)])

    assert after_first == []
    [confirmed] = _sent(store, "victim.alert.acknowledged")
    assert (confirmed["attempt"], confirmed["by"]) == (2, "VICTIM")


async def test_a_victim_who_never_answers_is_escalated_to_the_coordinator_without_a_confirmation(
    nowhere: KafkaSettings,
    clock: SimulatedClock,
    hub_on_paper: PaperHub,
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = PoliceStore()
    seed = _seed_for(VictimBehaviour(Answers.NEVER, withdraws=False))
    police = police_connector(nowhere, store, clock, seed=seed)
    alert = hub_on_paper.example("victim.alert", 1, "leave-granted-to-lawyer")
    escalated = {
        **hub_on_paper.example("victim.alert.escalated", 1, "leave-not-answered"),
        "caseId": CASE,
        "alertId": alert["alertId"],
        "victimId": VICTIM,
        "attempts": 3,
    }

    with caplog.at_level(logging.DEBUG):
        await _deliver(
            police,
            [
                *(_notice(alert, n) for n in (1, 2, 3)),
                ("victim.alert.escalated", str(uuid.uuid4()), escalated),
            ],
        )

    assert _sent(store, "victim.alert.acknowledged") == []
    assert store.escalations() == [(alert["alertId"], CASE, VICTIM, "LEAVE_GRANTED", 3)]
    assert [v.answers for v in store.victims()] == [Answers.NEVER]
    assert {r.status for r in store.received()} == {"PROCESSED"}
    assert f"{alert['alertId']} for case {CASE} escalated after 3 notice(s)" in caplog.text
    for personal in ("advokat.lunde", "Marte", "Lunde"):
        assert personal not in caplog.text


async def test_a_victim_who_withdraws_does_so_after_the_first_alert_and_confirms_nothing_later(
    nowhere: KafkaSettings, hub_on_paper: PaperHub
) -> None:
    timer = MovableClock()
    clock = SimulatedClock(1.0, DEFAULT_START, timer=timer)  # one simulated day a second
    store = PoliceStore()
    seed = _seed_for(VictimBehaviour(Answers.FIRST_NOTICE, withdraws=True))
    police = police_connector(nowhere, store, clock, seed=seed)
    first = hub_on_paper.example("victim.alert", 1, "leave-granted-to-lawyer")
    later = {**first, "alertId": str(uuid.uuid4()), "kind": "LEAVE_STARTED"}

    await _deliver(police, [_notice(first, 1)])
    timer.seconds = 3.0  # three simulated days: the victim has withdrawn by now
    await _deliver(police, [_notice(later, 1)])

    [withdrawn] = [row.event for row in store.outbox("victim.notification-withdrawn")]
    assert hub_on_paper.problems([withdrawn]) == []
    assert (withdrawn.data["victimId"], withdrawn.data["reason"]) == (VICTIM, "VICTIM_REQUEST")
    assert withdrawn.due == DEFAULT_START + WITHDRAWS_AFTER_FIRST_NOTICE
    [confirmed] = _sent(store, "victim.alert.acknowledged")
    assert confirmed["alertId"] == first["alertId"]
    [victim] = store.victims()
    assert victim.withdraws_at == withdrawn.due


async def test_a_correction_of_an_earlier_alert_is_confirmed_like_any_other(
    nowhere: KafkaSettings, clock: SimulatedClock, hub_on_paper: PaperHub
) -> None:
    store = PoliceStore()
    seed = _seed_for(VictimBehaviour(Answers.FIRST_NOTICE, withdraws=False))
    police = police_connector(nowhere, store, clock, seed=seed)
    correction = hub_on_paper.example("victim.alert", 1, "correction-letter")

    await _deliver(police, [_notice(correction, 1)])

    [confirmed] = _sent(store, "victim.alert.acknowledged")
    assert (confirmed["alertId"], confirmed["by"]) == (correction["alertId"], "VICTIM")


def test_a_victim_police_registered_behaves_by_their_identity_whatever_the_case_number(
    nowhere: KafkaSettings, clock: SimulatedClock
) -> None:
    def behaviours() -> list[VictimBehaviour]:
        police = police_connector(nowhere, PoliceStore(), clock, seed=3)
        found = []
        for case_id in police.register_cases(30):  # case numbers differ every run
            for victim_id in ("V001", "V002"):
                identity = police.store.victim_identity(case_id, victim_id)
                if identity is not None:
                    found.append(victim_behaviour(3, identity))
        return found

    first = behaviours()
    assert first == behaviours()
    assert len(first) > 10
