"""What the hub should deliver for the events the demo sent, computed from the routes.

The demo compares this with what it reads back from the egress topics, so
`lost` and `duplicates` are counted, not assumed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from hub.demo.scenario import SentEvent
from hub.pipeline.alerts import condition_holds
from hub.pipeline.route import Routes

CONSENT_TYPE = "victim.notification-requested"
LAST_EVENT = "release.completed"


@dataclass(frozen=True, slots=True)
class Expectations:
    deliveries: frozenset[tuple[str, str]]  # (recipient, ce_id) of every delivery due
    victim_alerts: int  # one per consenting victim and alerting event
    case_ends: frozenset[str]  # ce_id of each case's last event (its end state)


def expectations(routes: Routes, sent: Sequence[SentEvent]) -> Expectations:
    consents: dict[str, set[str]] = defaultdict(set)
    for item in sent:
        if item.event.type_name == CONSENT_TYPE and item.event.expect == "ACCEPT":
            consents[item.case_id] |= set(item.event.data["events"])
    deliveries: set[tuple[str, str]] = set()
    alerts = 0
    for item in sent:
        event = item.event
        if event.expect != "ACCEPT":
            continue
        for recipient in routes.route_for(event.type_name).recipients:
            deliveries.add((recipient.agency, event.event_id))
        alerts += sum(
            1
            for trigger in routes.alerts_for(event.type_name)
            if trigger.consent in consents[item.case_id] and condition_holds(trigger, event.data)
        )
    ends = frozenset(i.event.event_id for i in sent if i.event.type_name == LAST_EVENT)
    return Expectations(frozenset(deliveries), alerts, ends)
