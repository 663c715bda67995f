"""Simulated time: a sentence of months plays out in seconds.

The mock agencies date what they do (a registration, a judgment, a leave) in
simulated time and publish each event when the simulated clock reaches it.
Simulated time starts at `start` when the clock is made and runs
`days_per_second` simulated days per real second. Connectors in one process
share one clock, so their dates agree.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")
DEFAULT_START = datetime(2025, 1, 6, 8, 0, tzinfo=OSLO)
DEFAULT_DAYS_PER_SECOND = 30.0
_SECONDS_PER_DAY = 86_400


class SimulatedClock:
    """Simulated Norwegian time running `days_per_second` days per real second."""

    def __init__(
        self,
        days_per_second: float = DEFAULT_DAYS_PER_SECOND,
        start: datetime = DEFAULT_START,
        *,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        if days_per_second <= 0:
            raise ValueError("days_per_second must be positive")
        if start.utcoffset() is None:
            raise ValueError("start must be timezone-aware")
        self.days_per_second = days_per_second
        self.start = start.astimezone(OSLO)
        self._timer = timer
        self._started = timer()

    def restart(self) -> None:
        """Simulated time starts again at `start`, from now (e.g. once connectors are ready)."""
        self._started = self._timer()

    def now(self) -> datetime:
        """The simulated instant, in Norwegian local time."""
        elapsed_days = (self._timer() - self._started) * self.days_per_second
        return (self.start + timedelta(days=elapsed_days)).astimezone(OSLO)

    def seconds_until(self, instant: datetime) -> float:
        """Real seconds until the simulated clock reaches `instant` (0 if it has)."""
        ahead = (instant - self.now()).total_seconds() / _SECONDS_PER_DAY
        return max(0.0, ahead / self.days_per_second)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """`day` at the given local time in Norway, where the agencies work.

    A datetime counts by its own calendar day: pass one in Norwegian time.
    """
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=OSLO)


def instant(moment: datetime) -> str:
    """A simulated instant as the catalogue writes it: RFC 3339 with offset, in seconds."""
    return moment.astimezone(OSLO).isoformat(timespec="seconds")
