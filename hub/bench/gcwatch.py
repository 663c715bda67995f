"""Python's garbage collector while a phase runs: how often it ran and how long it took.

The hub keeps its registry in memory; every object there is scanned again by
each full (generation 2) collection, so a full collection's pause grows with
the registry. The benchmark reports the collections that fell into each drain.
"""

from __future__ import annotations

import gc
import time
from types import TracebackType
from typing import Any


class GcWatch:
    """Counts collections and their time between `__enter__` and `__exit__` (every thread)."""

    def __init__(self) -> None:
        self.collections = 0
        self.full = 0
        self.seconds = 0.0
        self.tracked = 0
        self._started = 0.0

    def count_tracked(self) -> None:
        """Note how many objects the collector tracks now (while the loop still holds its state)."""
        self.tracked = len(gc.get_objects())

    def _observe(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        self.collections += 1
        self.full += info.get("generation") == 2
        self.seconds += time.perf_counter() - self._started

    def __enter__(self) -> GcWatch:
        gc.callbacks.append(self._observe)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        gc.callbacks.remove(self._observe)

    def as_dict(self) -> dict[str, Any]:
        return {
            "collections": self.collections,
            "full_collections": self.full,
            "seconds": round(self.seconds, 3),
            "tracked_objects": self.tracked,
        }
