"""What KODA publishes while it executes a prison sentence: admission, leaves, an
escape and its end, the release scheduled and completed (all v1). Builders of
the events' data from values KODA decided; the prison units and probation
offices are KODA's own reference data.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from connectors.common.clock import instant

ADMISSION_COMPLETED = "admission.completed"
LEAVE_GRANTED = "leave.granted"
LEAVE_STARTED = "leave.started"
LEAVE_ENDED = "leave.ended"
ESCAPE_REPORTED = "escape.reported"
ESCAPE_ENDED = "escape.ended"
RELEASE_SCHEDULED = "release.scheduled"
RELEASE_COMPLETED = "release.completed"


def _unit(unit_id: str, name: str, region: str, level: str) -> dict[str, str]:
    return {"unitId": unit_id, "name": name, "region": region, "securityLevel": level}


# High security prisons by where the convicted person lives; lower security and
# preventive detention units for the whole country.
HIGH_SECURITY = {
    "OSLO": _unit("KDI-OSL-01", "Oslo fengsel, avdeling A", "EAST", "HIGH"),
    "BERGEN": _unit("KDI-BGO-01", "Bergen fengsel", "WEST", "HIGH"),
    "TRONDHEIM": _unit("KDI-TRH-01", "Trondheim fengsel", "NORTH", "HIGH"),
    "STAVANGER": _unit("KDI-STV-01", "Stavanger fengsel", "SOUTHWEST", "HIGH"),
    "TROMSØ": _unit("KDI-TOS-01", "Tromsø fengsel", "NORTH", "HIGH"),
}
LOWER_SECURITY = {
    "SOUTH": _unit("KDI-BAS-01", "Bastøy fengsel", "SOUTH", "LOWER"),
    "NORTH": _unit("KDI-TRH-02", "Trondheim fengsel, avdeling Leira", "NORTH", "LOWER"),
}
PREVENTIVE_DETENTION_UNIT = _unit("KDI-ILA-01", "Ila fengsel og forvaringsanstalt", "EAST", "HIGH")
PROBATION_OFFICES = {
    "OSLO": {"organisationNumber": "974761262", "name": "Oslo friomsorgskontor"},
    "BERGEN": {"organisationNumber": "974761505", "name": "Bergen friomsorgskontor"},
    "TRONDHEIM": {"organisationNumber": "974761688", "name": "Trøndelag friomsorgskontor"},
    "STAVANGER": {"organisationNumber": "974761793", "name": "Rogaland friomsorgskontor"},
    "TROMSØ": {"organisationNumber": "974761939", "name": "Troms friomsorgskontor"},
}


def admission_completed(
    case_id: str,
    *,
    admission_id: str,
    judgment_id: str,
    admitted_at: datetime,
    unit: Mapping[str, str],
    category: str,
    remand_credit_days: int,
    key_dates: Mapping[str, str],
) -> dict[str, Any]:
    return {
        "caseId": case_id,
        "admissionId": admission_id,
        "judgmentId": judgment_id,
        "admittedAt": instant(admitted_at),
        "prisonUnit": dict(unit),
        "inmateCategory": category,
        "remandCreditDays": remand_credit_days,
        "keyDates": dict(key_dates),
    }


def leave_granted(
    case_id: str,
    *,
    leave_id: str,
    granted_at: datetime,
    window: tuple[datetime, datetime],
    unit: Mapping[str, str],
    stay_address: Mapping[str, Any],
    contact_ban: Mapping[str, Any] | None,
) -> dict[str, Any]:
    return {
        "caseId": case_id,
        "leaveId": leave_id,
        "grantedAt": instant(granted_at),
        "leaveKind": "ORDINARY",
        "window": {"from": instant(window[0]), "until": instant(window[1])},
        "prisonUnit": dict(unit),
        "stayAddress": dict(stay_address),
        "conditions": {
            "noContactWithVictims": contact_ban is not None,
            "noIntoxicants": True,
            "electronicMonitoring": bool(contact_ban and contact_ban["electronicMonitoring"]),
        },
    }


def leave_started(case_id: str, leave_id: str, started_at: datetime) -> dict[str, Any]:
    return {"caseId": case_id, "leaveId": leave_id, "startedAt": instant(started_at)}


def leave_ended(
    case_id: str, leave_id: str, ended_at: datetime, outcome: str, escape_id: str | None = None
) -> dict[str, Any]:
    data = {
        "caseId": case_id,
        "leaveId": leave_id,
        "endedAt": instant(ended_at),
        "outcome": outcome,
    }
    if escape_id is not None:
        data["escapeId"] = escape_id
    return data


def escape_reported(
    case_id: str,
    *,
    escape_id: str,
    escaped_at: datetime,
    reported_at: datetime,
    circumstance: str,
    unit: Mapping[str, str],
    risk: str,
    leave_id: str | None,
) -> dict[str, Any]:
    data = {
        "caseId": case_id,
        "escapeId": escape_id,
        "escapedAt": instant(escaped_at),
        "reportedAt": instant(reported_at),
        "circumstance": circumstance,
        "prisonUnit": dict(unit),
        "riskAssessment": risk,
    }
    if leave_id is not None:
        data["leaveId"] = leave_id
    return data


def escape_ended(
    case_id: str, escape_id: str, ended_at: datetime, how: str, unit: Mapping[str, str]
) -> dict[str, Any]:
    return {
        "caseId": case_id,
        "escapeId": escape_id,
        "endedAt": instant(ended_at),
        "how": how,
        "prisonUnit": dict(unit),
    }


def release_conditions(
    released_on: date,
    probation_until: date | None,
    address: Mapping[str, Any] | None,
    contact_ban: Mapping[str, Any] | None,
) -> dict[str, Any] | None:
    """Conditions of a release: on parole, probation with reporting duty and residence;
    for anyone, a contact ban the court imposed that still runs."""
    conditions: dict[str, Any] = {}
    if probation_until is not None:
        city = (address or {}).get("city", "OSLO")
        conditions["reportingDuty"] = {
            "authority": PROBATION_OFFICES.get(city, PROBATION_OFFICES["OSLO"]),
            "firstMeetingOn": (released_on + timedelta(days=2)).isoformat(),
            "frequency": "EVERY_OTHER_WEEK",
        }
        if address is not None:
            conditions["residence"] = dict(address)
        conditions["noIntoxicants"] = True
        conditions["probationUntil"] = probation_until.isoformat()
    if contact_ban is not None and contact_ban.get("until", "9999") > released_on.isoformat():
        conditions["contactBan"] = dict(contact_ban)
    return conditions or None


def release_scheduled(
    case_id: str,
    *,
    release_id: str,
    scheduled_for: date,
    kind: str,
    unit: Mapping[str, str],
    conditions: Mapping[str, Any] | None,
) -> dict[str, Any]:
    data = {
        "caseId": case_id,
        "releaseId": release_id,
        "scheduledFor": scheduled_for.isoformat(),
        "releaseKind": kind,
        "prisonUnit": dict(unit),
    }
    if conditions:
        data["conditions"] = dict(conditions)
    return data


def release_completed(
    case_id: str,
    *,
    release_id: str,
    released_at: datetime,
    kind: str,
    unit: Mapping[str, str],
    remaining_days: int,
    conditions: Mapping[str, Any] | None,
) -> dict[str, Any]:
    data = {
        "caseId": case_id,
        "releaseId": release_id,
        "releasedAt": instant(released_at),
        "releaseKind": kind,
        "prisonUnit": dict(unit),
    }
    if remaining_days > 0:  # what is left of the sentence, served on parole
        data["remainingSentence"] = {"days": remaining_days}
    if conditions:
        data["conditions"] = dict(conditions)
    return data
