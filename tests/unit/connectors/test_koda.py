"""KODA: admit those sentenced to prison and execute the sentence with what it received."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

import orjson
from faststream.kafka import TestKafkaBroker

from connectors.common.clock import SimulatedClock
from connectors.courts.handlers import VerdictMix, trial
from connectors.koda.app import koda_connector
from connectors.koda.handlers import Execution, execution_plan
from connectors.koda.store import KodaStore
from connectors.police.events import new_case
from hub.settings import KafkaSettings
from tests.unit.connectors.paper import PaperHub, hub_headers

PRISON_ONLY = VerdictMix(violent={"UNCONDITIONAL_PRISON": 1}, other={"UNCONDITIONAL_PRISON": 1})


def _finals(hub: PaperHub, clock: SimulatedClock, count: int) -> list[dict[str, Any]]:
    """Final prison judgments of synthetic cases, as KODA receives them (enriched by the hub)."""
    content, finals = random.Random(9), []
    for index in range(count):
        registration = new_case(content, f"{30000000 + index}", clock.now()).registration
        case = hub.deliver("case.registered", registration, "courts")
        decided = trial(case, random.Random(index), PRISON_ONLY)
        assert decided is not None and decided.final is not None
        finals.append(hub.deliver("judgment.final", decided.final, "koda", registration))
    return finals


def _plans(finals: list[dict[str, Any]], escape_rate: float) -> list[Execution]:
    plans = [execution_plan(f, random.Random(i), escape_rate) for i, f in enumerate(finals)]
    return [plan for plan in plans if plan is not None]


def _of(plan: Execution, type_name: str) -> list[dict[str, Any]]:
    return [dict(step.data) for step in plan.steps if step.type_name == type_name]


async def test_koda_admits_only_prison_sentences(
    nowhere: KafkaSettings, clock: SimulatedClock, hub_on_paper: PaperHub
) -> None:
    store = KodaStore()
    koda = koda_connector(nowhere, store, clock)
    person = hub_on_paper.example("judgment.final", 2, "domestic-abuse-with-contact-ban-enriched")[
        "convictedPerson"
    ]
    finals = {
        name: {**hub_on_paper.example("judgment.final", 2, name), "convictedPerson": person}
        for name in (
            "theft-fine",
            "drugs-partly-conditional-with-fine",
            "homicide-preventive-detention-court-of-appeal",
            "domestic-abuse-with-contact-ban-enriched",
        )
    }

    async with TestKafkaBroker(koda.broker) as broker:
        for index, final in enumerate(finals.values()):
            case_id = f"{40000000 + index}"
            value = orjson.dumps({**final, "caseId": case_id})
            headers = hub_headers(
                "judgment.final", 2, case_id, "urn:no:justice:courts", value=value
            )
            await broker.publish(value, "egress.koda", key=case_id.encode(), headers=headers)

    assert sorted(e.category for e in store.executions()) == [
        "PREVENTIVE_DETENTION",
        "UNCONDITIONAL_PRISON",
    ]
    admitted = {row.event.case_id for row in store.outbox("admission.completed")}
    assert admitted == {"40000002", "40000003"}
    assert all(r.status == "PROCESSED" for r in store.received())


async def test_koda_refuses_a_prison_sentence_that_comes_without_the_convicted_person(
    nowhere: KafkaSettings, clock: SimulatedClock, hub_on_paper: PaperHub
) -> None:
    store = KodaStore()
    koda = koda_connector(nowhere, store, clock)
    final = hub_on_paper.example("judgment.final", 2, "domestic-abuse-with-contact-ban-enriched")
    del final["convictedPerson"]  # KODA never asks police: without it, it cannot summon anyone
    value = orjson.dumps(final)
    headers = hub_headers(
        "judgment.final", 2, final["caseId"], "urn:no:justice:courts", value=value
    )

    async with TestKafkaBroker(koda.broker) as broker:
        await broker.publish(value, "egress.koda", key=b"15434820", headers=headers)

    assert store.executions() == []
    [received] = store.received()
    assert (received.status, received.reason) == ("FAILED", "DATA_INCOMPLETE")
    [confirmation] = [row.event.data for row in store.outbox("delivery.confirmed")]
    assert (confirmation["status"], confirmation["reason"]) == ("FAILED", "DATA_INCOMPLETE")


def test_every_step_of_an_execution_is_an_event_the_hub_accepts_in_the_order_it_happens(
    hub_on_paper: PaperHub, clock: SimulatedClock
) -> None:
    for plan in _plans(_finals(hub_on_paper, clock, 60), escape_rate=0.5):
        assert hub_on_paper.problems(plan.steps) == []
        dues = [step.due for step in plan.steps]
        assert dues == sorted(dues)
        assert plan.steps[0].type_name == "admission.completed"
        assert [s.type_name for s in plan.steps[-2:]] == ["release.scheduled", "release.completed"]


def test_koda_uses_what_it_received_the_judgment_and_the_person_police_registered(
    hub_on_paper: PaperHub, clock: SimulatedClock
) -> None:
    for final, plan in zip(
        finals := _finals(hub_on_paper, clock, 30), _plans(finals, 0.0), strict=True
    ):
        [admission] = _of(plan, "admission.completed")
        assert admission["judgmentId"] == final["judgmentId"]
        assert admission["remandCreditDays"] == final["sentence"]["remandCreditDays"]
        for leave in _of(plan, "leave.granted"):
            assert leave["stayAddress"] == final["convictedPerson"]["address"]
        ban = final["sentence"].get("contactBan")
        [scheduled] = _of(plan, "release.scheduled")
        if ban is not None:
            assert scheduled["conditions"]["contactBan"] == ban


def test_leave_comes_after_one_third_and_parole_at_two_thirds_only_where_the_rules_allow(
    hub_on_paper: PaperHub, clock: SimulatedClock
) -> None:
    kinds = set()
    for plan in _plans(_finals(hub_on_paper, clock, 60), escape_rate=0.0):
        [admission] = _of(plan, "admission.completed")
        key_dates = admission["keyDates"]
        for leave in _of(plan, "leave.granted"):
            assert leave["grantedAt"][:10] >= key_dates["leaveEligibleFrom"]
        [released] = _of(plan, "release.completed")
        kinds.add(released["releaseKind"])
        if released["releaseKind"] == "PAROLE_TWO_THIRDS":
            start = date.fromisoformat(key_dates["sentenceStart"])
            served = date.fromisoformat(key_dates["twoThirds"]) - start
            assert served.days + admission["remandCreditDays"] >= 74
            assert released["releasedAt"][:10] >= key_dates["twoThirds"]
            assert released["remainingSentence"]["days"] > 0
        else:
            assert released["releasedAt"][:10] >= key_dates["sentenceEnd"]
    assert kinds == {"PAROLE_TWO_THIRDS", "END_OF_SENTENCE"}


def test_an_escape_is_reported_and_ended_and_time_on_the_run_moves_the_release(
    hub_on_paper: PaperHub, clock: SimulatedClock
) -> None:
    finals = _finals(hub_on_paper, clock, 30)
    for calm, escaped in zip(_plans(finals, 0.0), _plans(finals, 1.0), strict=True):
        [reported] = _of(escaped, "escape.reported")
        [ended] = _of(escaped, "escape.ended")
        assert reported["escapeId"] == ended["escapeId"]
        if reported["circumstance"] == "FAILED_TO_RETURN_FROM_LEAVE":
            [failed] = [
                e for e in _of(escaped, "leave.ended") if e["outcome"] != "RETURNED_ON_TIME"
            ]
            assert (failed["leaveId"], failed["escapeId"]) == (
                reported["leaveId"],
                ended["escapeId"],
            )
        assert escaped.release.released_at > calm.release.released_at


def test_a_person_with_a_protected_address_is_not_given_leave(
    hub_on_paper: PaperHub, clock: SimulatedClock
) -> None:
    finals = _finals(hub_on_paper, clock, 20)
    for final in finals:
        final["convictedPerson"] = {**final["convictedPerson"], "addressProtection": "CONFIDENTIAL"}
        del final["convictedPerson"]["address"]  # the hub sends no address then

    for plan in _plans(finals, 0.0):
        assert plan.leaves == 0 and not _of(plan, "leave.granted")
