"""One synthetic case through the chain, as the agencies would send it, stage by stage.

Police register the case (and, for some victims, their wish to be told);
the court's judgment becomes final; KODA admits, grants a leave, sometimes
records an escape, and releases. A few cases carry the mistakes real systems
make: a resent event (deduplicated) and a leave with a malformed window
(rejected with SCHEMA_INVALID). Payloads start from the catalogue's own valid
examples, with this case's people and ids put in.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hub.catalogue.catalogue import Catalogue
from hub.demo.synthetic import OFFENCES, case_number, new_id, person

STAGES = (
    "police registers",
    "court judges",
    "KODA admits",
    "KODA executes",
    "KODA releases",
    "bad senders",
)


@dataclass(frozen=True, slots=True)
class ScenarioEvent:
    stage: int
    agency: str
    type_name: str
    version: int
    data: dict[str, Any]
    event_id: str
    expect: str  # ACCEPT, REJECT or DEDUPE: what the hub should do with it
    source: str | None = None  # another ce_source than the agency's own (a spoof)
    raw: bytes | None = None  # a value that is not the data's JSON (malformed)


@dataclass(frozen=True, slots=True)
class SentEvent:
    """A scripted event and the case it was sent for (benchmarks use the scripted cases)."""

    case_id: str
    event: ScenarioEvent


Example = Callable[[str, int, str], dict[str, Any]]


def examples_of(catalogue: Catalogue) -> Example:
    """A lookup of the catalogue's valid examples by (type, version, name)."""

    def example(type_name: str, version: int, name: str) -> dict[str, Any]:
        examples = catalogue.types[type_name].versions[version].valid_examples
        found = next(e for e in examples if e.name == f"valid-{name}.json")
        return copy.deepcopy(dict(found.data))

    return example


def _registration(rng: random.Random, case_id: str, example: Example) -> dict[str, Any]:
    data = example("case.registered", 2, "domestic-abuse-and-threats")
    suspect = person(rng, "MALE", (1960, 2004))
    victim = person(rng, "FEMALE", (1960, 2006))
    offences = []
    for number, (section, subsection, text) in enumerate(rng.sample(OFFENCES, 2), start=1):
        provision = {"law": "STRL", "section": section}
        if subsection:
            provision["subsection"] = subsection
        offences.append(
            {
                "offenceId": f"{case_id}-{number}",
                "provision": provision,
                "description": text,
                "committedAt": "2025-01-10T22:40:00+01:00",
            }
        )
    victim_entry = {
        "victimId": "V001",
        "person": victim,
        "contact": {"phone": "+4791234567"},
        "isBereaved": False,
        "offenceIds": [o["offenceId"] for o in offences],
    }
    return {
        **data,
        "caseId": case_id,
        "suspect": suspect,
        "offences": offences,
        "victims": [victim_entry],
    }


def _judgment(
    rng: random.Random,
    case_id: str,
    judgment_id: str,
    registration: dict[str, Any],
    example: Example,
) -> tuple[int, dict[str, Any]]:
    convictions = [
        {"offenceId": o["offenceId"], "provision": o["provision"]} for o in registration["offences"]
    ]
    defendant = registration["suspect"]["nationalIdentityNumber"]
    if rng.random() < 0.2:  # an older court system still on v1: the hub upcasts it
        data = example("judgment.final", 1, "domestic-abuse-unconditional-prison")
        version = 1
    else:
        data = example("judgment.final", 2, "domestic-abuse-with-contact-ban-enriched")
        data.pop("convictedPerson")  # the hub adds it from what police registered
        version = 2
    return version, {
        **data,
        "caseId": case_id,
        "judgmentId": judgment_id,
        "defendantNationalIdentityNumber": defendant,
        "convictions": convictions,
    }


def case_scenario(
    index: int, rng: random.Random, ids: random.Random, example: Example
) -> tuple[str, list[ScenarioEvent]]:
    """Case number `index` of a run: its case id and its events in the order sent.

    `rng` decides the content (people, offences, who asks to be told, which
    judgments come from an old v1 system); `ids` draws case numbers and event
    ids, so runs need not collide. Every tenth case from the fourth on carries
    a broken leave, from the seventh on a resent event, and every fifth case
    from the third an escape, so even a short run shows each path.
    """
    case_id = case_number(ids)
    events: list[ScenarioEvent] = []

    def add(
        stage: int,
        agency: str,
        type_name: str,
        version: int,
        data: dict[str, Any],
        *,
        expect: str = "ACCEPT",
    ) -> ScenarioEvent:
        item = ScenarioEvent(
            stage, agency, type_name, version, {**data, "caseId": case_id}, new_id(ids), expect
        )
        events.append(item)
        return item

    registration = _registration(rng, case_id, example)
    add(0, "police", "case.registered", 2, registration)
    if rng.random() < 0.7:
        consent = example("victim.notification-requested", 1, "victim-sms")
        add(
            0,
            "police",
            "victim.notification-requested",
            1,
            {**consent, "events": ["LEAVE", "ESCAPE", "RELEASE"]},
        )
    version, judgment = _judgment(rng, case_id, new_id(ids), registration, example)
    add(1, "courts", "judgment.final", version, judgment)
    admission = example("admission.completed", 1, "unconditional-prison-oslo")
    add(
        2,
        "koda",
        "admission.completed",
        1,
        {**admission, "admissionId": new_id(ids), "judgmentId": judgment["judgmentId"]},
    )
    leave_id = new_id(ids)
    granted = {**example("leave.granted", 1, "ordinary-with-reporting-duty"), "leaveId": leave_id}
    if index % 10 == 3:  # a connector bug: the leave window lost its end
        broken = {**granted, "window": {"from": granted["window"]["from"]}}
        add(3, "koda", "leave.granted", 1, broken, expect="REJECT")
    add(3, "koda", "leave.granted", 1, granted)
    started = add(
        3,
        "koda",
        "leave.started",
        1,
        {**example("leave.started", 1, "ordinary-leave"), "leaveId": leave_id},
    )
    if index % 10 == 6:  # a resend after a timeout: same source and id
        events.append(
            ScenarioEvent(3, "koda", started.type_name, 1, started.data, started.event_id, "DEDUPE")
        )
    add(
        3,
        "koda",
        "leave.ended",
        1,
        {**example("leave.ended", 1, "returned-on-time"), "leaveId": leave_id},
    )
    if index % 5 == 2:
        escape_id = new_id(ids)
        add(
            3,
            "koda",
            "escape.reported",
            1,
            {**example("escape.reported", 1, "closed-prison-high-risk"), "escapeId": escape_id},
        )
        add(
            3,
            "koda",
            "escape.ended",
            1,
            {**example("escape.ended", 1, "apprehended"), "escapeId": escape_id},
        )
    release_id = new_id(ids)
    add(
        4,
        "koda",
        "release.scheduled",
        1,
        {
            **example("release.scheduled", 1, "parole-two-thirds-with-conditions"),
            "releaseId": release_id,
        },
    )
    add(
        4,
        "koda",
        "release.completed",
        1,
        {
            **example("release.completed", 1, "end-of-sentence-halfway-house"),
            "releaseId": release_id,
        },
    )
    return case_id, events


def bad_senders(case_id: str, ids: random.Random, example: Example) -> list[ScenarioEvent]:
    """What a hub must survive: a malformed value, a spoofed source, a schema violation."""
    leave = {**example("leave.started", 1, "ordinary-leave"), "caseId": case_id}
    stage = STAGES.index("bad senders")
    return [
        ScenarioEvent(
            stage,
            "koda",
            "leave.started",
            1,
            leave,
            new_id(ids),
            "REJECT",
            raw=b'{"caseId": "' + case_id.encode() + b'", "leaveId": ',
        ),
        ScenarioEvent(
            stage,
            "police",
            "leave.started",
            1,
            leave,
            new_id(ids),
            "REJECT",
            source="urn:no:justice:koda",
        ),
        ScenarioEvent(
            stage,
            "koda",
            "leave.started",
            1,
            {**leave, "startedAt": "yesterday"},
            new_id(ids),
            "REJECT",
        ),
    ]
