"""When things happen while a sentence is served: leaves, an escape, the release.

Dates only, no events: `handlers.execution_plan` turns them into KODA's
events. Leaves are ordinary leaves of two days, granted a week ahead, from
the day leave may first be granted and a month apart; none so close to the
release that it would make no sense. Time on the run does not count as
served, so an escape moves the release and the end of the sentence.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from connectors.common.clock import at
from connectors.koda.keydates import KeyDates

MAX_LEAVES = 2
LEAVE_NOTICE = timedelta(days=7)  # granted a week before it starts
LEAVE_DAYS = 2
DAYS_BETWEEN_LEAVES = 30
NO_LEAVE_BEFORE_RELEASE = timedelta(days=7)
RELEASE_NOTICE = timedelta(days=30)  # release.scheduled about a month ahead


@dataclass(frozen=True, slots=True)
class Leave:
    granted_at: datetime
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True, slots=True)
class Escape:
    escaped_at: datetime
    reported_at: datetime
    ended_at: datetime
    circumstance: str
    how: str
    from_leave: int | None  # index of the leave not returned from
    days_on_the_run: int


@dataclass(frozen=True, slots=True)
class Release:
    scheduled_at: datetime
    released_at: datetime
    kind: str
    remaining_days: int  # of the sentence, left to serve on parole
    probation_until: date | None


def leave_windows(eligible_from: date, release_by: date) -> list[Leave]:
    """Ordinary leaves from `eligible_from`, ending well before `release_by`."""
    leaves: list[Leave] = []
    granted_on = eligible_from
    while len(leaves) < MAX_LEAVES:
        starts = at(granted_on + LEAVE_NOTICE, 9)
        ends = at(starts + timedelta(days=LEAVE_DAYS), 18)
        if ends + NO_LEAVE_BEFORE_RELEASE > at(release_by, 0):
            break
        leaves.append(Leave(at(granted_on, 10), starts, ends))
        granted_on = ends.date() + timedelta(days=DAYS_BETWEEN_LEAVES)
    return leaves


def plan_escape(
    rng: random.Random,
    admitted_at: datetime,
    leaves: list[Leave],
    release_by: date,
    open_prison: bool,
) -> Escape:
    """An escape: not returning from the last leave, or, without leaves, from the prison."""
    if leaves:
        escaped_at, circumstance = leaves[-1].ends_at, "FAILED_TO_RETURN_FROM_LEAVE"
        from_leave: int | None = len(leaves) - 1
    else:
        halfway = admitted_at + (at(release_by, 9) - admitted_at) / 2
        escaped_at = max(at(halfway, 2, 40), at(admitted_at + timedelta(days=1), 2, 40))
        circumstance = "FROM_OPEN_AREA" if open_prison else "FROM_CLOSED_AREA"
        from_leave = None
    days = rng.randint(1, 5)
    how = rng.choice(["APPREHENDED_BY_POLICE", "APPREHENDED_BY_POLICE", "RETURNED_VOLUNTARILY"])
    return Escape(
        escaped_at=escaped_at,
        reported_at=escaped_at + timedelta(minutes=25),
        ended_at=at(escaped_at + timedelta(days=days), 14),
        circumstance=circumstance,
        how=how,
        from_leave=from_leave,
        days_on_the_run=days,
    )


def plan_release(
    dates: KeyDates, on_parole: bool, preventive: bool, last_event: datetime, days_on_the_run: int
) -> Release:
    """The release after `last_event`: on parole if granted and still before the end."""
    moved = timedelta(days=days_on_the_run)
    end = dates.sentence_end + moved
    release_on = (dates.earliest_release if on_parole else dates.sentence_end) + moved
    scheduled_at = max(at(last_event + timedelta(days=1), 10), at(release_on - RELEASE_NOTICE, 10))
    release_on = max(release_on, scheduled_at.date() + timedelta(days=1))
    if on_parole and release_on < end:
        kind = "PAROLE_FROM_PREVENTIVE_DETENTION" if preventive else "PAROLE_TWO_THIRDS"
        remaining = (end - release_on).days
        # The probation period is what is left of the sentence, at least a year (§ 44).
        probation: date | None = max(end, release_on + timedelta(days=365))
    else:
        kind, remaining, probation = "END_OF_SENTENCE", 0, None
    return Release(scheduled_at, at(release_on, 9), kind, remaining, probation)
