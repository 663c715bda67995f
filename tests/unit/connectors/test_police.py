"""Police: register synthetic cases the hub accepts, notify victims, know when a case ends."""

from __future__ import annotations

import logging
import random
from datetime import timedelta
from typing import Any

import orjson
import pytest
from faststream.kafka import TestKafkaBroker

from connectors.chain import alerts_owed
from connectors.common.clock import SimulatedClock
from connectors.common.planned import PlannedEvent
from connectors.police.app import police_connector
from connectors.police.events import new_case
from connectors.police.handlers import Stage, case_progress
from connectors.police.store import PoliceStore
from hub.catalogue.identity import is_valid_national_identity_number
from hub.settings import KafkaSettings
from tests.unit.connectors.paper import PaperHub, hub_headers


def _registered(store: PoliceStore) -> list[dict[str, Any]]:
    return [dict(row.event.data) for row in store.outbox("case.registered")]


def test_police_register_cases_the_hub_accepts(
    nowhere: KafkaSettings, clock: SimulatedClock, hub_on_paper: PaperHub
) -> None:
    police = police_connector(nowhere, PoliceStore(), clock, seed=11)

    case_ids = police.register_cases(30)

    planned = [row.event for row in police.store.outbox()]
    assert hub_on_paper.problems(planned) == []
    assert sorted(police.store.registered_cases()) == sorted(case_ids)
    assert len(set(case_ids)) == 30
    for case in _registered(police.store):
        people = [case["suspect"], *(v["person"] for v in case["victims"])]
        assert all(is_valid_national_identity_number(p["nationalIdentityNumber"]) for p in people)
        # Synthetic numbers only: the month is 80 more than the birth month.
        assert all(int(p["nationalIdentityNumber"][2:4]) > 80 for p in people)


def test_victims_ask_only_about_their_own_case_and_some_do_not_ask(
    nowhere: KafkaSettings, clock: SimulatedClock
) -> None:
    police = police_connector(nowhere, PoliceStore(), clock, seed=11)
    police.register_cases(40)

    victims = {
        (case["caseId"], v["victimId"])
        for case in _registered(police.store)
        for v in case["victims"]
    }
    wishes = police.store.wishes()
    assert set(wishes) < victims  # every wish is a registered victim's; not every victim wishes
    assert {"LEAVE", "ESCAPE", "RELEASE"} >= set().union(*wishes.values())


def test_one_seed_registers_the_same_people_offences_and_wishes_every_run(
    nowhere: KafkaSettings, clock: SimulatedClock
) -> None:
    def content(seed: int) -> list[tuple[object, ...]]:
        police = police_connector(nowhere, PoliceStore(), clock, seed=seed)
        police.register_cases(10)
        return [
            (
                case["suspect"],
                [o["provision"] for o in case["offences"]],
                [v["person"] for v in case["victims"]],
                case["registeredAt"],
            )
            for case in _registered(police.store)
        ]

    assert content(5) == content(5)
    assert content(5) != content(6)


def test_later_cases_are_registered_after_the_last_one(
    nowhere: KafkaSettings, clock: SimulatedClock
) -> None:
    police = police_connector(nowhere, PoliceStore(), clock, seed=1)
    first = police.register_cases(3)
    more = police.register_cases(2)

    dates = {row.event.case_id: row.event.due for row in police.store.outbox("case.registered")}
    assert max(dates[c] for c in first) + timedelta(days=1) == min(dates[c] for c in more)


async def test_police_records_an_alert_in_the_outbox_without_logging_personal_data(
    nowhere: KafkaSettings,
    clock: SimulatedClock,
    hub_on_paper: PaperHub,
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = PoliceStore()
    police = police_connector(nowhere, store, clock)
    alert = hub_on_paper.example("victim.alert", 1, "leave-granted-to-lawyer")
    alert["contact"]["phone"] = "+4791234567"
    value = orjson.dumps(alert)
    headers = hub_headers(
        "victim.alert", 1, alert["caseId"], event_id=alert["alertId"], value=value
    )

    with caplog.at_level(logging.DEBUG):
        async with TestKafkaBroker(police.broker) as broker:
            await broker.publish(
                value, "egress.police", key=alert["caseId"].encode(), headers=headers
            )

    [notice] = store.notifications()
    assert (notice.alert_id, notice.case_id, notice.victim_id) == (
        alert["alertId"],
        "24098813",
        "V002",
    )
    assert (notice.kind, notice.urgency, notice.channel) == ("LEAVE_GRANTED", "NORMAL", "EMAIL")
    assert notice.notify_by == alert["notifyBy"]
    assert notice.contact == {"email": "advokat.lunde@example.no", "phone": "+4791234567"}
    assert notice.representative == alert["representative"]
    assert alert["alertId"] in caplog.text  # the log says which alert, for whom it does not
    for personal in ("advokat.lunde", "+4791234567", "91234567", "Marte", "Lunde"):
        assert personal not in caplog.text
    [confirmation] = [r.event for r in store.outbox("delivery.confirmed")]
    assert confirmation.data["eventId"] == alert["alertId"]


def test_a_case_ends_on_acquittal_on_a_sentence_outside_prison_or_on_release() -> None:
    registration = {"caseId": "12345678", "chargeKind": "INDICTMENT"}
    acquitted = {"verdicts": [{"offenceId": "12345678-1", "result": "ACQUITTED"}]}
    guilty = {"verdicts": [{"offenceId": "12345678-1", "result": "GUILTY"}]}
    fine = {"sentence": {"kind": "FINE", "remandCreditDays": 0, "fineNok": 8000}}
    prison = {"sentence": {"kind": "UNCONDITIONAL_PRISON", "remandCreditDays": 0}}

    def stage(*events: tuple[str, dict[str, object]]) -> tuple[Stage, bool]:
        progress = case_progress(registration, events)
        return progress.stage, progress.ended

    assert stage() == (Stage.REGISTERED, False)
    assert stage(("judgment.rendered", acquitted)) == (Stage.ACQUITTED, True)
    assert stage(("judgment.rendered", guilty), ("judgment.final", fine)) == (
        Stage.SENTENCE_OUTSIDE_PRISON,
        True,
    )
    serving = [("judgment.rendered", guilty), ("judgment.final", prison)]
    assert stage(*serving, ("admission.completed", {})) == (Stage.IN_PRISON, False)
    assert stage(*serving, ("escape.reported", {})) == (Stage.ESCAPED, False)
    assert stage(*serving, ("release.completed", {})) == (Stage.RELEASED, True)
    not_for_court = {"caseId": "12345678", "chargeKind": "PENALTY_NOTICE"}
    assert case_progress(not_for_court, []).ended


def test_a_new_case_has_victims_for_its_violent_offences(clock: SimulatedClock) -> None:
    for seed in range(50):
        case = new_case(random.Random(seed), "12345678", clock.now())
        violent = {
            o["offenceId"]
            for o in case.registration["offences"]
            if o["provision"]["section"] in (263, 271, 282)
        }
        if violent:
            assert case.registration["victims"]
            assert all(set(v["offenceIds"]) == violent for v in case.registration["victims"])


def test_alerts_are_owed_for_triggers_the_hub_decided_while_the_victims_wish_stood(
    clock: SimulatedClock, hub_on_paper: PaperHub
) -> None:
    def event(type_name: str, **data: object) -> PlannedEvent:
        return PlannedEvent(type_name, 1, {"caseId": "12345678", **data}, clock.now())

    asked = event("victim.notification-requested", victimId="V001", events=["LEAVE", "RELEASE"])
    also = event("victim.notification-requested", victimId="V002", events=["RELEASE"])
    withdrawn = event("victim.notification-withdrawn", victimId="V001")
    granted = event("leave.granted")
    released = event("release.completed")
    before = event("leave.started")  # decided before anyone asked
    routes = hub_on_paper.pipeline.routes

    owed = alerts_owed(routes, [before, asked, also, granted, withdrawn, released])

    assert owed == {
        (granted.event_id, "V001"),
        (released.event_id, "V002"),
    }
    assert alerts_owed(routes, [asked, also, granted, released, withdrawn]) == owed | {
        (released.event_id, "V001")
    }
