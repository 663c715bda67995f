"""Victim alerts: one `victim.alert` to police per victim who asked to be told.

Which events alert whom is data (the `victim_alerts` section of the routes
file); who asked is registry data (`victim.notification-requested`, owned by
police). A victim who did not ask, or withdrew, gets nothing. The alert id is
derived from the triggering event and the victim, so re-processing after a
crash or a re-drive produces the same alert, which recipients deduplicate.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from hub.envelope import Envelope
from hub.pipeline.registry import CaseFacts
from hub.pipeline.route import AlertTrigger

VICTIM_ALERT = "victim.alert"
CORRECTION_KIND = "CORRECTION_OF_EARLIER_ALERT"
CORRECTION_NOTICE_MS = 24 * 3600 * 1000  # a wrong notice is put right within a day
_ALERT_NAMESPACE = uuid.UUID("5d0f3c2e-8a51-4f0e-9f3a-6c1b7d2e9a40")


def alert_id(envelope: Envelope, victim_id: str) -> str:
    return str(uuid.uuid5(_ALERT_NAMESPACE, f"{envelope.source}|{envelope.id}|{victim_id}"))


def _instant(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).isoformat(timespec="seconds")


def condition_holds(trigger: AlertTrigger, data: Mapping[str, Any]) -> bool:
    if trigger.when is None:
        return True
    value: Any = data
    for part in trigger.when.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value is True


def _window(data: Mapping[str, Any]) -> dict[str, Any] | None:
    """The period an alert is about: a leave's window or an interruption's from/until."""
    if isinstance(window := data.get("window"), Mapping):
        return dict(window)
    if "from" in data:
        return {key: data[key] for key in ("from", "until") if key in data}
    return None


def victim_alerts(
    trigger: AlertTrigger,
    envelope: Envelope,
    data: Mapping[str, Any],
    facts: CaseFacts,
    now_ms: int,
) -> tuple[tuple[str, dict[str, Any]], ...]:
    """(alert id, victim.alert data) for each victim of `facts` who asked for this category."""
    if not condition_holds(trigger, data):
        return ()
    notify_by = _instant(now_ms + int(trigger.notify_within.total_seconds() * 1000))
    return tuple(
        (alert["alertId"], alert)
        for victim_id, consent in sorted(facts.consents.items())
        if trigger.consent in consent["events"]
        for alert in [
            _alert(
                envelope,
                data,
                facts,
                victim_id,
                kind=trigger.kind,
                urgency=trigger.urgency,
                notify_by=notify_by,
            )
        ]
    )


def correction_alerts(
    envelope: Envelope,
    data: Mapping[str, Any],
    facts: CaseFacts | None,
    earlier: tuple[tuple[str, str], ...],
    now_ms: int,
) -> tuple[tuple[str, dict[str, Any]], ...]:
    """A follow-up for each earlier alert (id, victim) of an event now retracted or
    corrected, to each victim who still wants to hear: the earlier notice was wrong."""
    if facts is None:
        return ()
    notify_by = _instant(now_ms + CORRECTION_NOTICE_MS)
    follow_ups = []
    for earlier_id, victim_id in earlier:
        if victim_id not in facts.consents:
            continue  # withdrawn: nothing more is sent
        alert = _alert(
            envelope,
            data,
            facts,
            victim_id,
            kind=CORRECTION_KIND,
            urgency="NORMAL",
            notify_by=notify_by,
        )
        alert["correctsAlertId"] = earlier_id
        follow_ups.append((alert["alertId"], alert))
    return tuple(follow_ups)


def _alert(
    envelope: Envelope,
    data: Mapping[str, Any],
    facts: CaseFacts,
    victim_id: str,
    *,
    kind: str,
    urgency: str,
    notify_by: str,
) -> dict[str, Any]:
    """One victim's alert: what happened and by when, how to reach them, nothing more."""
    said: dict[str, Any] = {
        "trigger": {
            "eventType": envelope.type,
            "eventId": envelope.id,
            "occurredAt": envelope.time,
        },
        "kind": kind,
        "urgency": urgency,
        "notifyBy": notify_by,
    }
    if (window := _window(data)) is not None:
        said["window"] = window
    if "prisonUnit" in data:
        said["prisonUnit"] = data["prisonUnit"]
    return alert_for(facts, victim_id, alert_id(envelope, victim_id), said, sequence=1)


def alert_for(
    facts: CaseFacts, victim_id: str, alert: str, said: Mapping[str, Any], *, sequence: int
) -> dict[str, Any]:
    """The victim.alert data: what is said, and how to reach the victim as the registry has
    it now (a repeat uses today's contact details)."""
    consent = facts.consents[victim_id]
    representative = consent.get("representative")
    found: dict[str, Any] = {
        "caseId": facts.case_id,
        "alertId": alert,
        "victimId": victim_id,
        **said,
        "channel": consent["channel"],
        "contact": (representative or consent)["contact"],
        "sequence": sequence,
    }
    if representative:
        found["representative"] = {"name": representative["name"], "role": representative["role"]}
    if "language" in consent:
        found["language"] = consent["language"]
    return found


def late_notice(data: Mapping[str, Any], min_notice_ms: int) -> bool:
    """A leave granted less than the minimum notice before it starts: the victim cannot
    be told in time (both instants are KODA's own, so simulated time compares right)."""
    window, granted = data.get("window"), data.get("grantedAt")
    if not isinstance(window, Mapping) or "from" not in window or granted is None:
        return False
    starts = dt.datetime.fromisoformat(window["from"])
    notice = starts - dt.datetime.fromisoformat(granted)
    return notice.total_seconds() * 1000 < min_notice_ms
