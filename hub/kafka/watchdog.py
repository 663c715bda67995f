"""Ending an instance whose Kafka loop stopped making progress, so its supervisor restarts it.

librdkafka 2.x can block a transactional call past its timeout, for ever, when
the broker it knew as coordinator went away and came back (confluentinc/librdkafka
#5456 and #5511). tests/e2e/test_faults_broker_restart.py shows it here: a broker
restart under load left `send_offsets_to_transaction` blocked for minutes, and the
hub delivered nothing more. Nothing inside the process can unblock that call.

Exiting is safe: the restarted instance (same transactional id) aborts the open
transaction in `init_transactions` and reads its input again from the last
committed offsets, so nothing is lost and nothing is delivered twice.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

LOG = logging.getLogger("hub.watchdog")
STUCK_EXIT_CODE = 3  # what a supervisor sees: "restart me", not a crash


def exit_stuck(stuck_for: float) -> None:
    LOG.critical(
        "the Kafka loop made no progress for %.0f s (a client call that never returns); "
        "exiting with code %d so the supervisor starts a fresh instance",
        stuck_for,
        STUCK_EXIT_CODE,
    )
    logging.shutdown()
    # os._exit: the loop's thread is blocked inside librdkafka and would never finish a
    # normal exit; the open transaction is aborted by the next instance, not by this one.
    os._exit(STUCK_EXIT_CODE)


class LoopWatchdog:
    """Calls `on_stuck` once the loop has not beaten for `stuck_after` seconds."""

    def __init__(self, stuck_after: float, on_stuck: Callable[[float], None] = exit_stuck) -> None:
        self.stuck_after = stuck_after
        self._on_stuck = on_stuck
        self._last_beat = time.monotonic()

    def beat(self) -> None:
        self._last_beat = time.monotonic()

    def clock_ms(self) -> int:
        """Wall-clock milliseconds for HubService, which reads its clock once per loop
        iteration, idle or busy: each reading is a beat."""
        self.beat()
        return time.time_ns() // 1_000_000

    def stuck_for(self) -> float:
        return time.monotonic() - self._last_beat

    def watch(self, stop: threading.Event) -> threading.Thread:
        """Check in a daemon thread until `stop` is set."""

        def check() -> None:
            while not stop.wait(min(1.0, self.stuck_after / 4)):
                if (stuck := self.stuck_for()) > self.stuck_after:
                    self._on_stuck(stuck)
                    return

        thread = threading.Thread(target=check, name="loop-watchdog", daemon=True)
        thread.start()
        return thread
