"""The auditor's shift log: operators' actions and the hub's decisions on their re-drives."""

from __future__ import annotations

from hub.ops.shift_log import shift_actions


def test_the_shift_log_lists_actions_and_redrives_oldest_first_and_skips_the_rest() -> None:
    audits = [
        {
            "time_ms": 3,
            "action": "ACCEPT",
            "caseId": "1",
            "redriveBy": "ola",
            "redriveOf": "hub.dlq/0/7",
        },
        {
            "time_ms": 1,
            "action": "OPERATOR",
            "operatorAction": "LOCK",
            "operator": "ola",
            "target": "hub.dlq/0/7",
            "caseId": "1",
        },
        {"time_ms": 2, "action": "ACCEPT", "caseId": "2"},  # an ordinary event: not an action
        {
            "time_ms": 4,
            "action": "OPERATOR",
            "operatorAction": "REVEAL",
            "operator": "aud",
            "target": "hub.dlq/0/7",
            "field": "/suspect/name",
        },
    ]
    log = shift_actions(audits)
    assert [(a["atMs"], a["operator"], a["action"]) for a in log] == [
        (1, "ola", "LOCK"),
        (3, "ola", "REDRIVE"),
        (4, "aud", "REVEAL"),
    ]
    assert log[1]["decision"] == "ACCEPT"
    assert log[2]["field"] == "/suspect/name"
