"""The loop watchdog of `hub run`: a loop that stops beating is reported once."""

from __future__ import annotations

import threading

from hub.kafka.watchdog import LoopWatchdog


def test_a_loop_that_stops_beating_is_reported_as_stuck() -> None:
    reported: list[float] = []
    stuck = threading.Event()
    watchdog = LoopWatchdog(0.2, on_stuck=lambda seconds: (reported.append(seconds), stuck.set()))
    stop = threading.Event()

    watchdog.watch(stop)

    assert stuck.wait(10), "the watchdog never reported the stopped loop"
    stop.set()
    assert len(reported) == 1 and reported[0] > 0.2
