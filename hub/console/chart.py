"""A small bar chart as inline SVG, drawn on the server (no script, no chart library)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hub.ops.times import utc_text

SERIES = ("in", "delivered", "rejected")
_WIDTH, _HEIGHT, _BASE = 720, 180, 160


def minute_label(minute_ms: int) -> str:
    return utc_text(minute_ms, "%H:%M")


def bars(per_minute: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each bar's place and size: three bars per minute, scaled to the busiest minute."""
    if not per_minute:
        return []
    highest = max(max(int(m.get(s, 0)) for s in SERIES) for m in per_minute) or 1
    slot = _WIDTH / len(per_minute)
    width = max(slot / (len(SERIES) + 1), 1.0)
    drawn = []
    for index, minute in enumerate(per_minute):
        for offset, series in enumerate(SERIES):
            count = int(minute.get(series, 0))
            height = (_BASE - 10) * count / highest
            drawn.append(
                {
                    "series": series,
                    "x": round(index * slot + offset * width, 1),
                    "y": round(_BASE - height, 1),
                    "width": round(width, 1),
                    "height": round(height, 1),
                    "count": count,
                    "minute": minute_label(int(minute["minuteMs"])),
                }
            )
    return drawn


def size() -> dict[str, int]:
    return {"width": _WIDTH, "height": _HEIGHT, "base": _BASE}
