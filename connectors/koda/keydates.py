"""Sentence arithmetic: the key dates of a prison term or of preventive detention.

Time in custody on remand counts as served (varetektsfradrag), so the
fractions of a term are counted from a start moved back by the remand credit:
a third, half and two thirds of the term, then its end. Leave may be granted
from one third (straffegjennomføringsloven § 33); parole from two thirds, when
at least 74 days have then been served, remand included (§ 42). Preventive
detention (forvaring) runs to a maximum time frame; release on parole may
come from the minimum time.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

PAROLE_MINIMUM_SERVED_DAYS = 74


def add_term(day: date, term: Mapping[str, int]) -> date:
    """`day` plus a term of years, months and days, as the calendar counts them."""
    months = day.month - 1 + term.get("months", 0) + 12 * term.get("years", 0)
    year, month = day.year + months // 12, months % 12 + 1
    moved = date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
    return moved + timedelta(days=term.get("days", 0))


@dataclass(frozen=True, slots=True)
class KeyDates:
    """What KODA computes at admission, and what police and courts are told of it."""

    sentence_start: date
    leave_eligible_from: date
    earliest_release: date  # two thirds of a term; the minimum time of preventive detention
    sentence_end: date  # a term's end; the maximum time frame of preventive detention
    parole_allowed: bool
    fractions: Mapping[str, date]  # keyDates of admission.completed beyond the start

    def as_data(self) -> dict[str, str]:
        dates = {"sentenceStart": self.sentence_start, **self.fractions}
        return {name: day.isoformat() for name, day in dates.items()}


def prison_key_dates(start: date, term: Mapping[str, int], remand_credit_days: int) -> KeyDates:
    """Key dates of an unconditional prison term served from `start`."""
    counted_from = start - timedelta(days=remand_credit_days)
    end = max(add_term(counted_from, term), start + timedelta(days=1))
    total = (end - counted_from).days

    def after(fraction: float) -> date:
        return max(start, counted_from + timedelta(days=math.ceil(total * fraction)))

    one_third, two_thirds = after(1 / 3), after(2 / 3)
    return KeyDates(
        sentence_start=start,
        leave_eligible_from=one_third,
        earliest_release=two_thirds,
        sentence_end=end,
        parole_allowed=(two_thirds - counted_from).days >= PAROLE_MINIMUM_SERVED_DAYS,
        fractions={
            "oneThird": one_third,
            "half": after(1 / 2),
            "twoThirds": two_thirds,
            "sentenceEnd": end,
            "leaveEligibleFrom": one_third,
        },
    )


def detention_key_dates(
    start: date, detention: Mapping[str, int], remand_credit_days: int
) -> KeyDates:
    """Key dates of preventive detention with its time frame and minimum time, from `start`."""
    counted_from = start - timedelta(days=remand_credit_days)
    minimum = max(add_term(counted_from, {"years": detention["minimumYears"]}), start)
    maximum = add_term(counted_from, {"years": detention["timeFrameYears"]})
    leave_from = max(start, counted_from + (minimum - counted_from) / 3)
    return KeyDates(
        sentence_start=start,
        leave_eligible_from=leave_from,
        earliest_release=minimum,
        sentence_end=maximum,
        parole_allowed=True,
        fractions={
            "preventiveDetentionMinimum": minimum,
            "preventiveDetentionMaximum": maximum,
            "leaveEligibleFrom": leave_from,
        },
    )
