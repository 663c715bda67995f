"""What police publish: a case with its charge (`case.registered` v2), victims' wishes,
the victims' confirmations of alerts and their withdrawals.

Cases are synthetic and reproducible: the same seed gives the same suspects,
offences, victims and wishes, in the same order (people from
`hub.demo.synthetic`: names from a fixed list, identity numbers in the
synthetic range). Case numbers and event ids are drawn apart from the seed, so
two runs never collide on one broker.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from connectors.common.clock import at, instant
from connectors.common.planned import PlannedEvent, continued_trace
from connectors.common.sentences import VIOLENT_SECTIONS
from hub.demo.synthetic import OFFENCES, person

CASE_REGISTERED = "case.registered"
NOTIFICATION_REQUESTED = "victim.notification-requested"
NOTIFICATION_WITHDRAWN = "victim.notification-withdrawn"
ALERT_ACKNOWLEDGED = "victim.alert.acknowledged"
THEFT_SECTION = 321

# The police district that owns a case, by where the suspect lives.
POLICE_DISTRICTS = {
    "OSLO": {"organisationNumber": "974400006", "name": "Oslo politidistrikt"},
    "BERGEN": {"organisationNumber": "974760355", "name": "Vest politidistrikt"},
    "TRONDHEIM": {"organisationNumber": "974760568", "name": "Trøndelag politidistrikt"},
    "STAVANGER": {"organisationNumber": "974760711", "name": "Sør-Vest politidistrikt"},
    "TROMSØ": {"organisationNumber": "974760894", "name": "Troms politidistrikt"},
}
# What victims ask to be told of (straffegjennomføringsloven § 7 b), and how often.
WISHES = ((("LEAVE", "ESCAPE", "RELEASE"), 6), (("ESCAPE", "RELEASE"), 2), (("RELEASE",), 2))
CHANNELS = (("SMS", 5), ("EMAIL", 2), ("LETTER", 1), ("PHONE_CALL", 2))
ASKS_TO_BE_TOLD = 0.6  # share of victims who ask

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RegisteredCase:
    """One case as police send it: the registration and the victims' wishes to be told."""

    case_id: str
    registration: dict[str, Any]  # case.registered v2
    requests: tuple[
        dict[str, Any], ...
    ]  # victim.notification-requested v1, one per victim who asks


def new_case(rng: random.Random, case_id: str, registered_at: datetime) -> RegisteredCase:
    """A synthetic case registered at `registered_at` (simulated time)."""
    suspect = person(rng, rng.choice(["MALE", "MALE", "MALE", "FEMALE"]), (1960, 2005))
    offences = _offences(rng, case_id, registered_at)
    victims = _victims(rng, offences)
    registration = {
        "caseId": case_id,
        "registeredAt": instant(registered_at),
        "policeDistrict": POLICE_DISTRICTS[suspect["address"]["city"]],
        "chargeKind": "INDICTMENT",  # police send the courts the cases they prosecute
        "suspect": suspect,
        "offences": offences,
        "victims": victims,
    }
    requested_at = registered_at + timedelta(hours=2)
    requests = tuple(
        _request(rng, case_id, victim, requested_at)
        for victim in victims
        if rng.random() < ASKS_TO_BE_TOLD
    )
    return RegisteredCase(case_id, registration, requests)


def case_events(case: RegisteredCase) -> list[PlannedEvent]:
    """The case's events in the order police send them, in one new trace."""
    trace = continued_trace(None)
    registered_at = datetime.fromisoformat(case.registration["registeredAt"])
    events = [PlannedEvent(CASE_REGISTERED, 2, case.registration, registered_at, traceparent=trace)]
    events.extend(
        PlannedEvent(
            NOTIFICATION_REQUESTED,
            1,
            request,
            datetime.fromisoformat(request["requestedAt"]),
            traceparent=continued_trace(trace),
        )
        for request in case.requests
    )
    return events


def _offences(rng: random.Random, case_id: str, registered_at: datetime) -> list[dict[str, Any]]:
    chosen = rng.sample(OFFENCES, rng.choice([1, 2, 2]))
    offences = []
    for number, (section, subsection, text) in enumerate(chosen, start=1):
        provision: dict[str, Any] = {"law": "STRL", "section": section}
        if subsection:
            provision["subsection"] = subsection
        committed = at(registered_at - timedelta(days=rng.randint(3, 90)), rng.randint(0, 23))
        offence = {
            "offenceId": f"{case_id}-{number}",
            "provision": provision,
            "description": text,
            "committedAt": instant(committed),
        }
        if section == 282:  # abuse in a close relationship goes on over a period
            offence["committedUntil"] = offence["committedAt"]
            offence["committedAt"] = instant(committed - timedelta(days=rng.randint(60, 700)))
        offences.append(offence)
    return offences


def _victims(rng: random.Random, offences: list[dict[str, Any]]) -> list[dict[str, Any]]:
    violent = [o["offenceId"] for o in offences if o["provision"]["section"] in VIOLENT_SECTIONS]
    theft = [o["offenceId"] for o in offences if o["provision"]["section"] == THEFT_SECTION]
    if violent:
        groups = [violent] * (2 if rng.random() < 0.2 else 1)
    elif theft and rng.random() < 0.5:
        groups = [theft]
    else:
        groups = []  # e.g. a drug offence has no victim
    victims = []
    for number, offence_ids in enumerate(groups, start=1):
        someone = person(rng, rng.choice(["FEMALE", "MALE"]), (1950, 2006))
        victims.append(
            {
                "victimId": f"V{number:03d}",
                "person": someone,
                "contact": _contact(rng, someone["name"]),
                "isBereaved": False,
                "offenceIds": offence_ids,
            }
        )
    return victims


def _request(
    rng: random.Random, case_id: str, victim: dict[str, Any], requested_at: datetime
) -> dict[str, Any]:
    events = _weighted(rng, WISHES)
    request: dict[str, Any] = {
        "caseId": case_id,
        "victimId": victim["victimId"],
        "requestedAt": instant(requested_at),
        "events": list(events),
        "channel": _weighted(rng, CHANNELS),
        "contact": victim["contact"],
        "language": "nob",
    }
    if rng.random() < 0.1:  # some are told through their lawyer
        lawyer = person(rng, rng.choice(["FEMALE", "MALE"]), (1950, 1995))["name"]
        request["representative"] = {
            "name": lawyer,
            "role": "LAWYER",
            "contact": _contact(rng, lawyer),
        }
    return request


def _contact(rng: random.Random, name: dict[str, str]) -> dict[str, str]:
    """A phone number and an address at example.no: whatever the channel, it can be used."""
    email = f"{name['givenName']}.{name['familyName']}@example.no".lower()
    return {"phone": f"+479{rng.randrange(10**6, 10**7)}", "email": email}


def _weighted(rng: random.Random, choices: tuple[tuple[T, int], ...]) -> T:
    values = [value for value, _ in choices]
    chosen: T = rng.choices(values, [weight for _, weight in choices])[0]
    return chosen


def acknowledgement(
    case_id: str, alert_id: str, sequence: int, by: str, acknowledged_at: datetime
) -> dict[str, Any]:
    """`victim.alert.acknowledged` v1: the person told confirmed notice `sequence` of the alert."""
    return {
        "caseId": case_id,
        "alertId": alert_id,
        "acknowledgedAt": instant(acknowledged_at),
        "by": by,
        "attempt": sequence,
    }


def withdrawal(case_id: str, victim_id: str, withdrawn_at: datetime) -> dict[str, Any]:
    """`victim.notification-withdrawn` v1: the victim asked not to be told any more."""
    return {
        "caseId": case_id,
        "victimId": victim_id,
        "withdrawnAt": instant(withdrawn_at),
        "reason": "VICTIM_REQUEST",
    }
