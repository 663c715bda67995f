"""The cost of schema validation per event: the hub's own validators on the run's mix."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import orjson

from hub.catalogue.validation import SchemaValidators
from hub.demo.run import SentEvent


def validate_us(
    validators: SchemaValidators, items: Sequence[SentEvent], min_seconds: float = 0.5
) -> float | None:
    """Mean microseconds of `SchemaValidators.violation` per event of `items`.

    The data is decoded from JSON first, as the hub does, and each pass
    validates every decodable event; passes repeat until `min_seconds` passed.
    """
    cases: list[tuple[str, int, Any]] = [
        (s.event.type_name, s.event.version, orjson.loads(orjson.dumps(s.event.data)))
        for s in items
        if s.event.raw is None
    ]
    if not cases:
        return None
    validations = 0
    spent = 0
    while spent < min_seconds * 1e9:
        started = time.perf_counter_ns()
        for type_name, version, data in cases:
            validators.violation(type_name, version, data)
        spent += time.perf_counter_ns() - started
        validations += len(cases)
    return round(spent / validations / 1000, 2)
