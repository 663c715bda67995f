"""Registered once: what police registered about a case, kept by the hub.

The registry holds, per case, the suspect and the victims from
`case.registered` and each victim's wish to be notified
(`victim.notification-requested`, removed again by `-withdrawn`). Other
agencies' events are enriched from it, so nobody types these facts in again.
It lives in memory for the ingress partitions this hub instance owns and is
persisted, in the same transaction as the deliveries, to the compacted
`hub.registry` topic, from which it is rebuilt on start and on rebalance.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import orjson

CASE_REGISTERED = "case.registered"
NOTIFICATION_REQUESTED = "victim.notification-requested"
NOTIFICATION_WITHDRAWN = "victim.notification-withdrawn"
CASE_KEY_PREFIX = "case/"


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """One case as the registry knows it."""

    case_id: str
    suspect: Mapping[str, Any]
    victims: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    consents: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def to_json(self) -> bytes:
        return orjson.dumps(
            {
                "caseId": self.case_id,
                "suspect": self.suspect,
                "victims": self.victims,
                "consents": self.consents,
            }
        )

    @classmethod
    def from_json(cls, value: bytes) -> CaseFacts:
        raw = orjson.loads(value)
        return cls(raw["caseId"], raw["suspect"], raw["victims"], raw["consents"])


def case_key(case_id: str) -> str:
    return CASE_KEY_PREFIX + case_id


class CaseRegistry:
    """The cases of the partitions this instance owns (one registry per partition)."""

    def __init__(self) -> None:
        self._cases: dict[str, CaseFacts] = {}

    def __len__(self) -> int:
        return len(self._cases)

    def get(self, case_id: str) -> CaseFacts | None:
        return self._cases.get(case_id)

    def restore(self, facts: CaseFacts) -> None:
        self._cases[facts.case_id] = facts

    def forget(self, case_id: str) -> CaseFacts | None:
        """Drop a case registered in error; the facts it had, for the tombstone."""
        return self._cases.pop(case_id, None)

    def apply(self, event_type: str, data: Mapping[str, Any]) -> CaseFacts | None:
        """Record what the event registers; the changed facts, or None when nothing changed."""
        case_id = data["caseId"]
        known = self._cases.get(case_id)
        if event_type == CASE_REGISTERED:
            victims = {victim["victimId"]: victim for victim in data.get("victims", ())}
            consents = known.consents if known else {}
            changed = CaseFacts(case_id, data["suspect"], victims, consents)
        elif known is not None and event_type == NOTIFICATION_REQUESTED:
            changed = replace(known, consents={**known.consents, data["victimId"]: data})
        elif known is not None and event_type == NOTIFICATION_WITHDRAWN:
            consents = {k: v for k, v in known.consents.items() if k != data["victimId"]}
            changed = replace(known, consents=consents)
        else:
            return None
        self._cases[case_id] = changed
        return changed


def enriched(
    data: dict[str, Any], enrich: Mapping[str, str], facts: CaseFacts | None
) -> dict[str, Any]:
    """The data with registered facts added (`convictedPerson` from the suspect, ...)."""
    if not enrich or facts is None:
        return data
    registered = {"suspect": facts.suspect}
    return {**data, **{target: registered[fact] for target, fact in enrich.items()}}
