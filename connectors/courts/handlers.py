"""What the courts do with a registered case: try it and decide (plain functions).

A case with an indictment is heard some weeks after it was registered. The verdict
follows a seeded mix (`VerdictMix`): cases with violence end in prison more
often, the rest in fines. Convictions are the registered offences found
guilty, with their registered provisions; the defendant is the suspect police
registered; a contact ban protects the victims of the violent offences
convicted, by their victim ids. A conviction becomes final the day after the
two-week appeal period, or at once when the defendant accepts the judgment.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import MappingProxyType
from typing import Any

from connectors.common.clock import at
from connectors.common.planned import PlannedEvent, new_event_id
from connectors.common.sentences import is_violent
from connectors.courts.events import (
    JUDGMENT_FINAL,
    JUDGMENT_RENDERED,
    court_case_number,
    court_for,
    judgment_final,
    judgment_rendered,
)

ACQUITTAL = "ACQUITTAL"
APPEAL_DAYS = 14  # ankefrist


@dataclass(frozen=True, slots=True)
class VerdictMix:
    """Relative weights of each outcome, for cases with violence and for the rest."""

    violent: Mapping[str, int] = field(
        default_factory=lambda: MappingProxyType(
            {
                ACQUITTAL: 1,
                "COMMUNITY_SENTENCE": 2,
                "CONDITIONAL_PRISON": 2,
                "UNCONDITIONAL_PRISON": 5,
            }
        )
    )
    other: Mapping[str, int] = field(
        default_factory=lambda: MappingProxyType(
            {
                ACQUITTAL: 1,
                "FINE": 4,
                "COMMUNITY_SENTENCE": 2,
                "CONDITIONAL_PRISON": 1,
                "UNCONDITIONAL_PRISON": 2,
            }
        )
    )

    def draw(self, rng: random.Random, violent: bool) -> str:
        weights = self.violent if violent else self.other
        return rng.choices(list(weights), list(weights.values()))[0]


@dataclass(frozen=True, slots=True)
class Trial:
    """A court's decision on one case and when it is announced (simulated time)."""

    case_id: str
    outcome: str  # ACQUITTAL or the sentence kind
    rendered: dict[str, Any]  # judgment.rendered v1
    rendered_at: datetime
    final: dict[str, Any] | None  # judgment.final v2; None after an acquittal
    final_at: datetime | None

    def planned(self) -> list[PlannedEvent]:
        """The judgments to publish, due when they are rendered and become final."""
        events = [PlannedEvent(JUDGMENT_RENDERED, 1, self.rendered, self.rendered_at)]
        if self.final is not None and self.final_at is not None:
            events.append(PlannedEvent(JUDGMENT_FINAL, 2, self.final, self.final_at))
        return events


def trial(case: Mapping[str, Any], rng: random.Random, mix: VerdictMix) -> Trial | None:
    """The court's handling of a registered case; None when there is no indictment to try.

    Dated from the registration, so a seed gives the same dates whenever it runs.
    """
    if case["chargeKind"] != "INDICTMENT":
        return None
    registered_at = datetime.fromisoformat(case["registeredAt"])
    rendered_at = at(registered_at + timedelta(days=rng.randint(20, 45)), 14)
    offences = case["offences"]
    outcome = mix.draw(rng, any(is_violent(o["provision"]) for o in offences))
    verdicts = _verdicts(rng, offences, outcome)
    convicted = [o for o, v in zip(offences, verdicts, strict=True) if v["result"] == "GUILTY"]
    sentence = (
        None if outcome == ACQUITTAL else _sentence(rng, outcome, convicted, case, rendered_at)
    )
    declaration = "TIME_TO_CONSIDER" if rng.random() < 0.65 else "ACCEPTED"
    court, code = court_for(case["policeDistrict"])
    rendered = judgment_rendered(
        case,
        judgment_id=new_event_id(),
        court=court,
        court_case_number=court_case_number(rng, code, rendered_at.year),
        rendered_on=rendered_at.date(),
        verdicts=verdicts,
        sentence=sentence,
        declaration="ACCEPTED" if sentence is None else declaration,
    )
    if sentence is None:
        return Trial(case["caseId"], outcome, rendered, rendered_at, None, None)
    waits = declaration == "TIME_TO_CONSIDER"
    final_from = rendered_at.date() + timedelta(days=APPEAL_DAYS + 1 if waits else 0)
    final_at = at(final_from, 9) if waits else at(rendered_at.date() + timedelta(days=1), 9)
    return Trial(
        case["caseId"],
        outcome,
        rendered,
        rendered_at,
        judgment_final(rendered, final_from),
        final_at,
    )


def _verdicts(
    rng: random.Random, offences: list[dict[str, Any]], outcome: str
) -> list[dict[str, Any]]:
    if outcome == ACQUITTAL:
        return [{"offenceId": o["offenceId"], "result": "ACQUITTED"} for o in offences]
    # Now and then one lesser count of several is not proven.
    lesser = [o["offenceId"] for o in offences if not is_violent(o["provision"])]
    doubtful = rng.choice(lesser) if len(offences) > 1 and lesser and rng.random() < 0.15 else None
    return [
        {"offenceId": o["offenceId"], "result": "ACQUITTED"}
        if o["offenceId"] == doubtful
        else {"offenceId": o["offenceId"], "result": "GUILTY", "provision": o["provision"]}
        for o in offences
    ]


def _sentence(
    rng: random.Random,
    kind: str,
    convicted: list[dict[str, Any]],
    case: Mapping[str, Any],
    rendered_at: datetime,
) -> dict[str, Any]:
    sentence: dict[str, Any] = {"kind": kind, "remandCreditDays": 0}
    if kind == "FINE":
        sentence |= {"fineNok": rng.choice([4000, 6000, 8000, 12000, 15000, 20000])}
        sentence["alternativePrisonDays"] = max(1, sentence["fineNok"] // 1000)
    elif kind == "COMMUNITY_SENTENCE":
        sentence |= {"communityHours": rng.choice(range(30, 241, 30))}
        sentence["alternativePrisonDays"] = rng.choice([60, 90, 120])
    elif kind == "CONDITIONAL_PRISON":
        sentence["prison"] = {
            "term": {"days": rng.choice([21, 30, 45, 60, 90])},
            "probationYears": 2,
        }
    elif kind == "UNCONDITIONAL_PRISON":
        term = rng.choice([{"days": 60}, {"days": 90}, {"months": 4}, {"months": 6}, {"years": 1}])
        sentence["prison"] = {"term": term}
        if rng.random() < 0.3:  # time in custody on remand counts as served
            sentence["remandCreditDays"] = rng.randint(5, 19)
    ban = _contact_ban(rng, convicted, case, rendered_at.date())
    if ban is not None and kind != "FINE":
        sentence["contactBan"] = ban
    return sentence


def _contact_ban(
    rng: random.Random, convicted: list[dict[str, Any]], case: Mapping[str, Any], rendered_on: date
) -> dict[str, Any] | None:
    """A ban on contacting the victims of the violent offences convicted (straffeloven § 57)."""
    violent = {o["offenceId"] for o in convicted if is_violent(o["provision"])}
    every_offence = [o["offenceId"] for o in case["offences"]]
    protected = [
        v["victimId"] for v in case["victims"] if violent & set(v.get("offenceIds", every_offence))
    ]
    if not protected:
        return None
    return {
        "protectedVictimIds": protected,
        "until": (rendered_on + timedelta(days=365 * rng.randint(1, 5))).isoformat(),
        "includesOwnHome": any(o["provision"]["section"] == 282 for o in convicted),
        "electronicMonitoring": rng.random() < 0.25,
    }
