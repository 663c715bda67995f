"""What police do with what they receive: notify victims, and follow each case to its end.

Plain functions over the delivered data. A `victim.alert` becomes a
notification for the victim coordinator (it carries the contact details, so
it goes to the outbox table and never to a log line). Judgments and KODA's
events move the case through its stages; police know a case has ended when
the court acquits, when a sentence is not served in prison and the judgment
is final, or when the convicted person is released.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from connectors.common.sentences import served_in_prison


@dataclass(frozen=True, slots=True)
class VictimNotification:
    """A notice the victim coordinator must give: one row of police's notification outbox."""

    alert_id: str
    case_id: str
    victim_id: str
    kind: str  # LEAVE_GRANTED, ESCAPE, RELEASE, ...
    urgency: str  # URGENT or NORMAL
    channel: str  # SMS, EMAIL, LETTER, PHONE_CALL
    notify_by: str
    contact: Mapping[str, str]  # personal data: stays in the store
    representative: Mapping[str, Any] | None
    language: str | None
    trigger_type: str
    trigger_event_id: str

    def summary(self) -> str:
        """What may be logged: codes and the deadline, no one's name or number."""
        return f"{self.kind} {self.urgency} via {self.channel}, notify by {self.notify_by}"


def victim_notification(alert: Mapping[str, Any]) -> VictimNotification:
    """The notification a `victim.alert` asks police to give."""
    return VictimNotification(
        alert_id=alert["alertId"],
        case_id=alert["caseId"],
        victim_id=alert["victimId"],
        kind=alert["kind"],
        urgency=alert["urgency"],
        channel=alert["channel"],
        notify_by=alert["notifyBy"],
        contact=alert["contact"],
        representative=alert.get("representative"),
        language=alert.get("language"),
        trigger_type=alert["trigger"]["eventType"],
        trigger_event_id=alert["trigger"]["eventId"],
    )


class Stage(StrEnum):
    """Where a case stands, as police see it."""

    REGISTERED = "REGISTERED"
    NOT_FOR_COURT = "NOT_FOR_COURT"  # a charge or penalty notice: the courts do not judge it
    JUDGED = "JUDGED"  # a conviction, not yet final
    ACQUITTED = "ACQUITTED"
    FINAL = "FINAL"  # final, to be served in prison
    SENTENCE_OUTSIDE_PRISON = "SENTENCE_OUTSIDE_PRISON"  # final fine, community or conditional
    IN_PRISON = "IN_PRISON"
    ON_LEAVE = "ON_LEAVE"
    ESCAPED = "ESCAPED"
    RELEASE_SCHEDULED = "RELEASE_SCHEDULED"
    RELEASED = "RELEASED"


END_STAGES = frozenset(
    {Stage.NOT_FOR_COURT, Stage.ACQUITTED, Stage.SENTENCE_OUTSIDE_PRISON, Stage.RELEASED}
)

_STAGE_AFTER = {
    "admission.completed": Stage.IN_PRISON,
    "leave.started": Stage.ON_LEAVE,
    "leave.ended": Stage.IN_PRISON,
    "escape.reported": Stage.ESCAPED,
    "escape.ended": Stage.IN_PRISON,
    "release.scheduled": Stage.RELEASE_SCHEDULED,
    "release.completed": Stage.RELEASED,
}


@dataclass(frozen=True, slots=True)
class CaseProgress:
    case_id: str
    stage: Stage

    @property
    def ended(self) -> bool:
        return self.stage in END_STAGES


def stage_after(stage: Stage, type_name: str, data: Mapping[str, Any]) -> Stage:
    """The stage a case is in once police learn of `type_name` (unchanged if it says nothing)."""
    if stage in END_STAGES:
        return stage
    if type_name == "judgment.rendered":
        guilty = any(v["result"] == "GUILTY" for v in data["verdicts"])
        return Stage.JUDGED if guilty else Stage.ACQUITTED
    if type_name == "judgment.final":
        return Stage.FINAL if served_in_prison(data["sentence"]) else Stage.SENTENCE_OUTSIDE_PRISON
    return _STAGE_AFTER.get(type_name, stage)


def case_progress(
    registration: Mapping[str, Any], received: Iterable[tuple[str, Mapping[str, Any]]]
) -> CaseProgress:
    """Where a registered case stands after the (type, data) events police received, in order."""
    case_id = registration["caseId"]
    if registration["chargeKind"] != "INDICTMENT":
        return CaseProgress(case_id, Stage.NOT_FOR_COURT)
    stage = Stage.REGISTERED
    for type_name, data in received:
        stage = stage_after(stage, type_name, data)
    return CaseProgress(case_id, stage)


def what_police_learn(type_name: str, data: Mapping[str, Any]) -> str:
    """A progress note about a delivered event: codes and dates, never personal data."""
    note = _NOTES.get(type_name)
    return "" if note is None else note(data)


def _judgment_note(data: Mapping[str, Any]) -> str:
    return str(data["sentence"]["kind"]) if "sentence" in data else "ACQUITTED"


def _leave_note(data: Mapping[str, Any]) -> str:
    window = data["window"]
    return f"{data['leaveKind']} {window['from'][:10]} to {window['until'][:10]}"


_NOTES: Mapping[str, Callable[[Mapping[str, Any]], str]] = {
    "judgment.rendered": _judgment_note,
    "judgment.final": _judgment_note,
    "admission.completed": lambda d: f"{d['inmateCategory']} at {d['prisonUnit']['unitId']}",
    "leave.granted": _leave_note,
    "leave.ended": lambda d: str(d["outcome"]),
    "escape.reported": lambda d: f"{d['circumstance']}, risk {d['riskAssessment']}",
    "escape.ended": lambda d: str(d["how"]),
    "release.scheduled": lambda d: f"{d['releaseKind']} on {d['scheduledFor']}",
    "release.completed": lambda d: f"{d['releaseKind']} on {d['releasedAt'][:10]}",
}
