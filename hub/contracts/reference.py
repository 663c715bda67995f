"""The reference connectors (`connectors/`) as `AgencyCode`: the samples each one's own
event builders make, and its reactions over a fresh in-memory store.

Samples are seeded and cover every branch the builders have: police register
cases with and without victims and victims' wishes; the courts try one of
them to every outcome of their verdict mix; KODA executes each prison
sentence, once with an escape planned and once without. Each agency builds
from what it would have received (the courts from police's registration,
KODA from the final judgment with the convicted person the hub adds), so no
field is made up here.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from datetime import timedelta
from functools import cache, partial
from typing import Any

from connectors.common.clock import DEFAULT_START, SimulatedClock
from connectors.common.inbox import Received
from connectors.courts.app import courts_reactions
from connectors.courts.handlers import ACQUITTAL, Trial, VerdictMix, trial
from connectors.courts.store import CourtsStore
from connectors.koda.app import koda_reactions
from connectors.koda.handlers import DEFAULT_ESCAPE_RATE, execution_plan
from connectors.koda.store import KodaStore
from connectors.police.app import police_reactions
from connectors.police.events import RegisteredCase, case_events, new_case
from connectors.police.handlers import Stage, stage_after
from connectors.police.store import PoliceStore
from hub.contracts.parties import AgencyCode, Handler, Sample
from hub.demo.synthetic import case_number

SEED = 2026
CASES = 8
OUTCOMES = (ACQUITTAL, "FINE", "COMMUNITY_SENTENCE", "CONDITIONAL_PRISON", "UNCONDITIONAL_PRISON")
ESCAPE_RATES = (0.0, 1.0)  # one execution without an escape, one with


@cache
def _cases() -> tuple[RegisteredCase, ...]:
    rng = random.Random(SEED)
    return tuple(
        new_case(rng, case_number(rng), DEFAULT_START + timedelta(days=day)) for day in range(CASES)
    )


@cache
def _trials() -> tuple[Trial, ...]:
    """Every case tried to every outcome (one court decision each)."""
    trials = []
    for index, case in enumerate(_cases()):
        for outcome in OUTCOMES:
            only = VerdictMix(violent={outcome: 1}, other={outcome: 1})
            decided = trial(case.registration, random.Random(f"{SEED}{index}{outcome}"), only)
            if decided is not None:
                trials.append(decided)
    return tuple(trials)


def police_samples() -> Iterator[Sample]:
    for case in _cases():
        for event in case_events(case):
            yield Sample(event.type_name, event.version, event.data, "connectors.police.events")


def courts_samples() -> Iterator[Sample]:
    for decided in _trials():
        for event in decided.planned():
            yield Sample(event.type_name, event.version, event.data, "connectors.courts.events")


def koda_samples() -> Iterator[Sample]:
    suspects = {case.case_id: case.registration["suspect"] for case in _cases()}
    for decided in _trials():
        if decided.final is None:
            continue
        # What KODA receives: the final judgment with the person police registered.
        final: Mapping[str, Any] = {**decided.final, "convictedPerson": suspects[decided.case_id]}
        for rate in ESCAPE_RATES:
            execution = execution_plan(final, random.Random(f"{SEED}{rate}"), rate)
            for event in execution.steps if execution else ():
                yield Sample(event.type_name, event.version, event.data, "connectors.koda.events")


def police_handlers() -> Mapping[str, Handler]:
    """Police's reactions, each also moving the case on a stage from what it received,
    as `PoliceStore.progress` does later (`stage_after`)."""
    reactions = police_reactions(PoliceStore(":memory:"))
    return {type_name: partial(_moving_the_case_on, r) for type_name, r in reactions.items()}


def _moving_the_case_on(reaction: Handler, received: Received) -> object:
    stage_after(Stage.REGISTERED, received.type_name, received.data)
    return reaction(received)


def courts_handlers() -> Mapping[str, Handler]:
    return courts_reactions(CourtsStore(":memory:"), SimulatedClock(), SEED, VerdictMix())


def koda_handlers() -> Mapping[str, Handler]:
    return koda_reactions(KodaStore(":memory:"), SimulatedClock(), SEED, DEFAULT_ESCAPE_RATE)


def reference_connectors() -> tuple[AgencyCode, ...]:
    """Police, courts and KODA as `connectors/` has them, in the order the chain runs."""
    return (
        AgencyCode("police", police_samples, police_handlers),
        AgencyCode("courts", courts_samples, courts_handlers),
        AgencyCode("koda", koda_samples, koda_handlers),
    )
