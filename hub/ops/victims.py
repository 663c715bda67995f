"""`hub victims pending`: the victim coordinator's work list, from `hub.alerts`.

Unacknowledged and escalated alerts, with ids, kinds, states, ages and attempts:
never names or contact details (those are with police, in the alert itself).
"""

from __future__ import annotations

from typing import Any

import orjson

from hub.kafka.io import read_topic
from hub.kafka.topology import ALERTS
from hub.settings import KafkaSettings

WORK = frozenset({"SENT", "REPEATED", "ESCALATED"})  # someone still has to act
_SHOWN = ("caseId", "alertId", "victimId", "kind", "urgency", "state", "attempts", "lateNotice")


def alert_states(settings: KafkaSettings) -> list[dict[str, Any]]:
    """The latest state of every victim alert (the compacted topic, read to its end)."""
    latest: dict[bytes | None, dict[str, Any]] = {}
    for record in read_topic(settings, ALERTS):
        if record.value is not None:
            latest[record.key] = orjson.loads(record.value)
    return list(latest.values())


def pending(states: list[dict[str, Any]], now_ms: int) -> list[dict[str, Any]]:
    """The work list: alerts not acknowledged, oldest first, without what was said."""
    waiting = [s for s in states if s["state"] in WORK]
    return [
        {
            **{key: state[key] for key in _SHOWN},
            "ageSeconds": round((now_ms - state["firstSentMs"]) / 1000),
            "firstSentMs": state["firstSentMs"],
        }
        for state in sorted(waiting, key=lambda s: s["firstSentMs"])
    ]
