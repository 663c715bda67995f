"""`hub audit actions`: what operators did in a period, from the audit chain itself.

The auditor reviewing a night shift wants one list: who locked, closed,
revealed and re-drove what, and what the hub decided on each re-drive. Every
item comes from `hub.audit` (OPERATOR records, and decisions on re-drives with
their `redriveBy`), so the list is as trustworthy as the chain `hub audit
verify` checks. Notes appear only as digests; reveals name the field only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import orjson

from hub.kafka.io import read_topic
from hub.kafka.topology import AUDIT
from hub.pipeline.operator import OPERATOR
from hub.settings import KafkaSettings


def shift_actions(audits: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every operator's action among `audits`, oldest first."""
    actions = []
    for audit in audits:
        if audit.get("action") == OPERATOR:
            actions.append(
                {
                    "atMs": audit["time_ms"],
                    "operator": audit.get("operator"),
                    "action": audit.get("operatorAction"),
                    "target": audit.get("target"),
                    "caseId": audit.get("caseId"),
                    "field": audit.get("field"),
                    "noteDigest": audit.get("noteDigest"),
                }
            )
        elif audit.get("redriveBy"):
            actions.append(
                {
                    "atMs": audit["time_ms"],
                    "operator": audit["redriveBy"],
                    "action": "REDRIVE",
                    "target": audit.get("redriveOf"),
                    "caseId": audit.get("caseId"),
                    "decision": audit.get("action"),
                    "reason": audit.get("reason"),
                }
            )
    return sorted(actions, key=lambda action: action["atMs"])


def operator_actions(settings: KafkaSettings, *, since_ms: int) -> list[dict[str, Any]]:
    """What operators did since `since_ms` (the audit log read from that time on)."""
    records = read_topic(settings, AUDIT, since_ms=since_ms)
    return shift_actions(orjson.loads(r.value) for r in records if r.value)
