"""What became of the demo's victim alerts, counted from Kafka against what was due.

Every notice the hub sent police (`victim.alert` on `egress.police`, repeats
included), every escalation, and each alert's last state in `hub.alerts` are
read back and checked: one alert per victim per triggering event, none lost,
none for a victim who had withdrawn or never asked, and each ended as police's
simulated victim behaves (a victim who answers: ACKNOWLEDGED; one who never
does: ESCALATED; either may end WITHDRAWN when the victim withdrew first).
The latency is wall time from the triggering event's ingress record to the
alert's first notice on `egress.police`, both as Kafka timestamped them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from connectors.police.victim_contact import Answers
from hub.demo.run import DemoRun, record_json
from hub.kafka.io import ConsumedRecord
from hub.kafka.topology import egress

ALERT_TYPE = b"no.justice.victim.alert"
ESCALATED_TYPE = b"no.justice.victim.alert.escalated"
HUB_MADE = frozenset({ALERT_TYPE, ESCALATED_TYPE})  # not routed from an agency's event
WITHDRAWN_TYPE = b"no.justice.victim.notification-withdrawn"


def percentile(values: Iterable[float], share: float) -> float | None:
    ordered = sorted(values)
    if not ordered:
        return None
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 1)


def _to_police(run: DemoRun, type_name: bytes) -> list[tuple[ConsumedRecord, dict[str, Any]]]:
    return [
        (record, record_json(record))
        for record in run.egress
        if record.topic == egress("police") and record.header("ce_type") == type_name
    ]


def victim_alert_figures(run: DemoRun) -> dict[str, Any]:
    """The victim alerts' figures, with `victim_alert_problems` (ids and codes) when any
    alert did not end as it should."""
    notices = _to_police(run, ALERT_TYPE)
    alerts: dict[str, dict[str, Any]] = {}
    ids_per_trigger_and_victim: dict[tuple[str, str], set[str]] = defaultdict(set)
    first_sent_ms: dict[str, int] = {}
    for record, alert in notices:
        alerts.setdefault(alert["alertId"], alert)
        ids_per_trigger_and_victim[alert["trigger"]["eventId"], alert["victimId"]].add(
            alert["alertId"]
        )
        if alert["sequence"] == 1:
            first_sent_ms[alert["alertId"]] = record.timestamp_ms
    published_ms = {(r.header("ce_id") or b"").decode(): r.timestamp_ms for r in run.ingress}
    latency = [
        sent_ms - published_ms[alerts[alert_id]["trigger"]["eventId"]]
        for alert_id, sent_ms in first_sent_ms.items()
        if alerts[alert_id]["trigger"]["eventId"] in published_ms
    ]
    states = {state["alertId"]: state for state in run.alert_states}
    ended = defaultdict(set)
    for alert_id, state in states.items():
        ended[state["state"]].add(alert_id)
    escalations = {escalated["alertId"] for _, escalated in _to_police(run, ESCALATED_TYPE)}
    problems = _problems(run, alerts, states, escalations)
    problems += [
        f"{trigger} for {victim}: {len(ids)} alerts"
        for (trigger, victim), ids in sorted(ids_per_trigger_and_victim.items())
        if len(ids) != 1
    ]
    given = set(ids_per_trigger_and_victim)
    problems += [f"{t} for {v}: due, never alerted" for t, v in sorted(run.alerts_due - given)]
    problems += [f"{t} for {v}: alerted, not due" for t, v in sorted(given - run.alerts_due)]
    return {
        "victim_alerts": len(alerts),
        "urgent_alerts": sum(1 for a in alerts.values() if a["urgency"] == "URGENT"),
        "victim_alert_notices": len(notices),
        "victim_alerts_acknowledged": len(ended["ACKNOWLEDGED"]),
        "victim_alerts_escalated": len(ended["ESCALATED"]),
        "victim_alerts_withdrawn": len(ended["WITHDRAWN"]),
        "victim_alert_latency_ms": {
            "p50": percentile(latency, 0.5),
            "p99": percentile(latency, 0.99),
            "max": max(latency, default=None),
        },
        "late_notices": sum(1 for state in states.values() if state.get("lateNotice")),
        "victims_never_answering": sum(1 for v in run.victims if v.answers is Answers.NEVER),
        "consents_withdrawn": sum(1 for r in run.ingress if r.header("ce_type") == WITHDRAWN_TYPE),
        "victim_alert_problems": problems,
    }


def _problems(
    run: DemoRun,
    alerts: dict[str, dict[str, Any]],
    states: dict[str, dict[str, Any]],
    escalations: set[str],
) -> list[str]:
    """Each alert whose last state is not what its victim's behaviour calls for."""
    victims = {(v.case_id, v.victim_id): v for v in run.victims}
    problems = []
    for alert_id, alert in sorted(alerts.items()):
        victim = victims.get((alert["caseId"], alert["victimId"]))
        state = states.get(alert_id, {}).get("state")
        if victim is None:
            problems.append(f"{alert_id}: police never contacted the victim")
            continue
        expected = "ESCALATED" if victim.answers is Answers.NEVER else "ACKNOWLEDGED"
        allowed = {expected, "WITHDRAWN"} if victim.withdraws_at is not None else {expected}
        if state not in allowed:
            problems.append(f"{alert_id}: {state}, expected {' or '.join(sorted(allowed))}")
        if (state == "ESCALATED") != (alert_id in escalations):
            problems.append(f"{alert_id}: {state}, escalation sent: {alert_id in escalations}")
    problems += [f"{a}: in hub.alerts, never sent" for a in sorted(states.keys() - alerts.keys())]
    return problems
