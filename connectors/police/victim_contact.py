"""The victims police's coordinator contacts, simulated: who answers, when, and who withdraws.

Real victims do not all answer: some confirm the first text message within
minutes or hours, some only a reminder, some never (the hub then escalates the
alert to a person at police). Some also change their mind part way through a
sentence and ask not to be told any more. Each victim's behaviour is fixed by
the run's seed and who the victim is (their identity number, itself seeded),
so a seed gives the same answers on every run, whatever order alerts arrive in.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from connectors.common.planned import seeded_random

NEVER_ANSWERS = 1 / 6  # share of victims who never confirm any notice
ANSWERS_A_REPEAT = 1 / 6  # share who miss the first notice and confirm the next
WITHDRAWS = 1 / 5  # share who withdraw their wish to be told part way
ANSWER_WITHIN = (timedelta(minutes=5), timedelta(hours=6))
# A victim who withdraws does so this long after their first notice: later than any answer,
# so the first notice is confirmed (or not) before the withdrawal.
WITHDRAWS_AFTER_FIRST_NOTICE = timedelta(days=2)


class Answers(StrEnum):
    """Which notice of an alert the victim (or their representative) confirms."""

    FIRST_NOTICE = "FIRST_NOTICE"
    A_REPEAT = "A_REPEAT"  # the hub's first repeat (sequence 2)
    NEVER = "NEVER"

    def confirms(self, sequence: int) -> bool:
        """True when the victim confirms the notice with this sequence number."""
        first = {Answers.FIRST_NOTICE: 1, Answers.A_REPEAT: 2}.get(self)
        return first is not None and sequence >= first


@dataclass(frozen=True, slots=True)
class VictimBehaviour:
    answers: Answers
    withdraws: bool


@dataclass(frozen=True, slots=True)
class VictimContact:
    """One victim on the coordinator's list: how they answer and when they withdraw, if they do."""

    case_id: str
    victim_id: str
    answers: Answers
    withdraws_at: datetime | None  # simulated instant

    def withdrawn_by(self, moment: datetime) -> bool:
        """True when the victim has withdrawn their wish to be told by `moment`."""
        return self.withdraws_at is not None and self.withdraws_at <= moment


def victim_behaviour(seed: int, victim: str) -> VictimBehaviour:
    """How the victim `victim` (an identity, stable for the seed) responds to notices."""
    rng = seeded_random(seed, "victim", victim)
    draw = rng.random()
    if draw < NEVER_ANSWERS:
        answers = Answers.NEVER
    elif draw < NEVER_ANSWERS + ANSWERS_A_REPEAT:
        answers = Answers.A_REPEAT
    else:
        answers = Answers.FIRST_NOTICE
    return VictimBehaviour(answers, rng.random() < WITHDRAWS)


def answer_delay(rng: random.Random) -> timedelta:
    """How long after a notice the victim confirms it (simulated time)."""
    shortest, longest = ANSWER_WITHIN
    return shortest + (longest - shortest) * rng.random()
