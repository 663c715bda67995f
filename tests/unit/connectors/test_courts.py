"""The courts: try what police registered, convict only of that, make convictions final."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

import orjson
from faststream.kafka import TestKafkaBroker

from connectors.common.clock import SimulatedClock
from connectors.courts.app import courts_connector
from connectors.courts.handlers import ACQUITTAL, Trial, VerdictMix, trial
from connectors.courts.store import CourtsStore
from connectors.police.events import new_case
from hub.settings import KafkaSettings
from tests.unit.connectors.paper import PaperHub, hub_headers

VIOLENT = (263, 271, 282)


def _cases(hub: PaperHub, clock: SimulatedClock, count: int) -> list[tuple[dict[str, Any], Trial]]:
    """(registration, trial) of `count` synthetic cases, each as the courts receive it."""
    content = random.Random(3)
    tried = []
    for index in range(count):
        registration = new_case(content, f"{20000000 + index}", clock.now()).registration
        case = hub.deliver("case.registered", registration, "courts")
        decided = trial(case, random.Random(index), VerdictMix())
        assert decided is not None
        tried.append((registration, decided))
    return tried


def test_judgments_are_events_the_hub_accepts(
    hub_on_paper: PaperHub, clock: SimulatedClock
) -> None:
    planned = [e for _, t in _cases(hub_on_paper, clock, 60) for e in t.planned()]

    assert hub_on_paper.problems(planned) == []


def test_courts_convict_the_registered_suspect_of_registered_offences_only(
    hub_on_paper: PaperHub, clock: SimulatedClock
) -> None:
    for registration, decided in _cases(hub_on_paper, clock, 60):
        offences = {o["offenceId"]: o["provision"] for o in registration["offences"]}
        assert [v["offenceId"] for v in decided.rendered["verdicts"]] == list(offences)
        if decided.final is None:
            continue
        nin = registration["suspect"]["nationalIdentityNumber"]
        assert decided.final["defendantNationalIdentityNumber"] == nin
        for conviction in decided.final["convictions"]:
            assert conviction["provision"] == offences[conviction["offenceId"]]


def test_contact_bans_protect_the_victims_of_the_violent_offences_convicted(
    hub_on_paper: PaperHub, clock: SimulatedClock
) -> None:
    bans = 0
    for registration, decided in _cases(hub_on_paper, clock, 80):
        ban = decided.rendered.get("sentence", {}).get("contactBan")
        convicted = {
            v["offenceId"] for v in decided.rendered["verdicts"] if v["result"] == "GUILTY"
        }
        violent = {
            o["offenceId"]
            for o in registration["offences"]
            if o["offenceId"] in convicted and o["provision"]["section"] in VIOLENT
        }
        protected = [
            v["victimId"] for v in registration["victims"] if violent & set(v["offenceIds"])
        ]
        if ban is None:
            assert not protected or decided.outcome == "FINE"
            continue
        bans += 1
        assert ban["protectedVictimIds"] == protected
    assert bans > 5


def test_an_acquittal_is_rendered_but_never_becomes_final(
    hub_on_paper: PaperHub, clock: SimulatedClock
) -> None:
    acquittals = [t for _, t in _cases(hub_on_paper, clock, 60) if t.outcome == ACQUITTAL]

    assert acquittals
    for decided in acquittals:
        assert "sentence" not in decided.rendered
        assert [e.type_name for e in decided.planned()] == ["judgment.rendered"]


def test_the_verdict_mix_gives_every_outcome_and_prison_mostly_for_violence(
    hub_on_paper: PaperHub, clock: SimulatedClock
) -> None:
    outcomes: Counter[tuple[bool, str]] = Counter()
    for registration, decided in _cases(hub_on_paper, clock, 300):
        sections = {o["provision"]["section"] for o in registration["offences"]}
        outcomes[bool(sections & set(VIOLENT)), decided.outcome] += 1

    kinds = {kind for _, kind in outcomes}
    assert kinds == {
        ACQUITTAL,
        "FINE",
        "COMMUNITY_SENTENCE",
        "CONDITIONAL_PRISON",
        "UNCONDITIONAL_PRISON",
    }
    assert outcomes[True, "UNCONDITIONAL_PRISON"] > outcomes[False, "UNCONDITIONAL_PRISON"]
    assert outcomes[True, "FINE"] == 0


def test_judgment_comes_weeks_after_registration_and_is_final_after_the_appeal_period(
    hub_on_paper: PaperHub, clock: SimulatedClock
) -> None:
    for registration, decided in _cases(hub_on_paper, clock, 60):
        registered = datetime.fromisoformat(registration["registeredAt"])
        assert timedelta(days=20) <= decided.rendered_at - registered <= timedelta(days=46)
        if decided.final is None:
            continue
        rendered_on = date.fromisoformat(decided.final["renderedOn"])
        final_from = date.fromisoformat(decided.final["finalFrom"])
        declaration = decided.rendered["service"]["declaration"]
        waited = (final_from - rendered_on).days
        assert waited == (15 if declaration == "TIME_TO_CONSIDER" else 0)
        assert decided.final_at is not None and decided.final_at > decided.rendered_at


def test_a_charge_that_is_not_an_indictment_is_not_tried(
    hub_on_paper: PaperHub, clock: SimulatedClock
) -> None:
    registration = new_case(random.Random(1), "12345678", clock.now()).registration
    case = {**hub_on_paper.deliver("case.registered", registration, "courts")}
    case["chargeKind"] = "PENALTY_NOTICE"

    assert trial(case, random.Random(1), VerdictMix()) is None


async def test_courts_try_a_delivered_case_once_and_plan_its_judgments(
    nowhere: KafkaSettings, clock: SimulatedClock, hub_on_paper: PaperHub
) -> None:
    store = CourtsStore()
    courts = courts_connector(nowhere, store, clock, seed=4)
    registration = new_case(random.Random(8), "12345678", clock.now()).registration
    case = hub_on_paper.deliver("case.registered", registration, "courts")

    async with TestKafkaBroker(courts.broker) as broker:
        for _ in range(2):  # police registered it twice (two event ids)
            value = orjson.dumps(case)
            headers = hub_headers(
                "case.registered", 2, "12345678", "urn:no:justice:police", value=value
            )
            await broker.publish(value, "egress.courts", key=b"12345678", headers=headers)

    [judgment] = store.judgments()
    assert judgment.case_id == "12345678"
    planned = [
        row.event.type_name for row in store.outbox() if row.event.type_name != "delivery.confirmed"
    ]
    assert planned[0] == "judgment.rendered"
    assert planned == (
        ["judgment.rendered"]
        if judgment.final_from is None
        else ["judgment.rendered", "judgment.final"]
    )
    assert len(store.outbox("delivery.confirmed")) == 2
