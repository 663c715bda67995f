"""What KODA does with a final judgment: plan the execution of a prison sentence.

Only an unconditional prison term or preventive detention means admission; a
fine, a community sentence or a conditional term is served elsewhere. KODA
plans from what it received and nothing else: the judgment (sentence, remand
credit, convictions, contact ban) and the convicted person the hub added from
police's registration, never asking police again. The plan: admission some
days after the judgment is final, ordinary leaves from one third (when there
is an address to stay at), now and then an escape (from a leave not returned
from, or from the prison) and its end, time on the run added to the sentence,
then the release, on parole at two thirds where the rules allow and KODA
agrees, else at the end of the sentence. Each step is a planned event, due in
simulated time.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from connectors.common.clock import at
from connectors.common.inbox import CannotProcess, Reason
from connectors.common.planned import PlannedEvent, new_event_id
from connectors.common.sentences import is_violent, served_in_prison
from connectors.koda import events
from connectors.koda.keydates import KeyDates, detention_key_dates, prison_key_dates
from connectors.koda.timeline import (
    Escape,
    Leave,
    Release,
    leave_windows,
    plan_escape,
    plan_release,
)

DEFAULT_ESCAPE_RATE = 0.15
PAROLE_GRANTED = 0.8  # share of those eligible whom KODA releases on parole


@dataclass(frozen=True, slots=True)
class Execution:
    """KODA's plan for one prison sentence, and the events that carry it out."""

    case_id: str
    judgment_id: str
    category: str  # UNCONDITIONAL_PRISON or PREVENTIVE_DETENTION
    unit: Mapping[str, str]
    release: Release
    leaves: int
    escaped: bool
    steps: tuple[PlannedEvent, ...]

    def summary(self) -> str:
        """A progress note: codes and dates only."""
        escape = ", escape" if self.escaped else ""
        return (
            f"{self.category} at {self.unit['unitId']}, {self.leaves} leave(s){escape}, "
            f"{self.release.kind} on {self.release.released_at:%Y-%m-%d}"
        )


def execution_plan(
    final: Mapping[str, Any], rng: random.Random, escape_rate: float = DEFAULT_ESCAPE_RATE
) -> Execution | None:
    """How KODA executes a final judgment; None when the sentence is not served in prison.

    Dated from the day the judgment is final, so a seed gives the same dates
    whenever it runs. Raises CannotProcess when a prison sentence arrives
    without the convicted person.
    """
    sentence = final["sentence"]
    if not served_in_prison(sentence):
        return None
    person = final.get("convictedPerson")
    if person is None:
        raise CannotProcess(Reason.DATA_INCOMPLETE, "a prison sentence without convictedPerson")
    violent = any(is_violent(c["provision"]) for c in final["convictions"])
    final_from = date.fromisoformat(final["finalFrom"])
    admitted_at = at(final_from + timedelta(days=rng.randint(3, 14)), 9, 15)
    credit = sentence["remandCreditDays"]
    preventive = sentence["kind"] == "PREVENTIVE_DETENTION"
    if preventive:
        dates = detention_key_dates(admitted_at.date(), sentence["preventiveDetention"], credit)
        unit: Mapping[str, str] = events.PREVENTIVE_DETENTION_UNIT
    else:
        dates = prison_key_dates(admitted_at.date(), sentence["prison"]["term"], credit)
        unit = _prison_for(person, violent, dates)
    on_parole = dates.parole_allowed and rng.random() < PAROLE_GRANTED
    release_by = dates.earliest_release if on_parole else dates.sentence_end
    address = person.get("address")  # absent when the address is protected: no leave then
    leaves = leave_windows(dates.leave_eligible_from, release_by) if address else []
    escape = None
    if rng.random() < escape_rate:
        open_prison = unit["securityLevel"] != "HIGH"
        escape = plan_escape(rng, admitted_at, leaves, release_by, open_prison)
    last = max([admitted_at, *(leave.ends_at for leave in leaves)])
    if escape is not None:
        last = max(last, escape.ended_at)
    run_days = escape.days_on_the_run if escape else 0
    release = plan_release(dates, on_parole, preventive, last, run_days)
    category = "PREVENTIVE_DETENTION" if preventive else "UNCONDITIONAL_PRISON"
    ban = sentence.get("contactBan")
    steps = _Steps(final, unit)
    steps.admission(admitted_at, category, credit, dates)
    steps.leaves(leaves, escape, address or {}, ban)
    if escape is not None:
        # Violence weighs most; an escape from inside a prison more than a late return.
        risk = "HIGH" if violent else "ELEVATED" if escape.from_leave is None else "LOW"
        steps.escape(escape, risk)
    steps.release(release, person, ban)
    return Execution(
        final["caseId"],
        final["judgmentId"],
        category,
        unit,
        release,
        len(leaves),
        escape is not None,
        tuple(steps.planned),
    )


def _prison_for(person: Mapping[str, Any], violent: bool, dates: KeyDates) -> Mapping[str, str]:
    """Near home; lower security for a short sentence without violence."""
    city = person.get("address", {}).get("city", "OSLO")
    if violent or (dates.sentence_end - dates.sentence_start).days > 180:
        return events.HIGH_SECURITY.get(city, events.HIGH_SECURITY["OSLO"])
    north = city in ("TRONDHEIM", "TROMSØ")
    return events.LOWER_SECURITY["NORTH" if north else "SOUTH"]


class _Steps:
    """KODA's events for one sentence, collected in the order they happen."""

    def __init__(self, final: Mapping[str, Any], unit: Mapping[str, str]) -> None:
        self.case_id = final["caseId"]
        self.judgment_id = final["judgmentId"]
        self.unit = unit
        self.planned: list[PlannedEvent] = []
        self.leave_ids: list[str] = []
        self.escape_id = new_event_id()

    def add(self, type_name: str, data: dict[str, Any], due: datetime) -> None:
        self.planned.append(PlannedEvent(type_name, 1, data, due))

    def admission(self, admitted_at: datetime, category: str, credit: int, dates: KeyDates) -> None:
        data = events.admission_completed(
            self.case_id,
            admission_id=new_event_id(),
            judgment_id=self.judgment_id,
            admitted_at=admitted_at,
            unit=self.unit,
            category=category,
            remand_credit_days=credit,
            key_dates=dates.as_data(),
        )
        self.add(events.ADMISSION_COMPLETED, data, admitted_at)

    def leaves(
        self,
        leaves: list[Leave],
        escape: Escape | None,
        address: Mapping[str, Any],
        ban: Mapping[str, Any] | None,
    ) -> None:
        for index, leave in enumerate(leaves):
            leave_id = new_event_id()
            self.leave_ids.append(leave_id)
            window = (leave.starts_at, leave.ends_at)
            granted = events.leave_granted(
                self.case_id,
                leave_id=leave_id,
                granted_at=leave.granted_at,
                window=window,
                unit=self.unit,
                stay_address=address,
                contact_ban=ban,
            )
            self.add(events.LEAVE_GRANTED, granted, leave.granted_at)
            started = events.leave_started(self.case_id, leave_id, leave.starts_at)
            self.add(events.LEAVE_STARTED, started, leave.starts_at)
            if escape is not None and escape.from_leave == index:
                ended = events.leave_ended(
                    self.case_id, leave_id, leave.ends_at, "FAILED_TO_RETURN", self.escape_id
                )
            else:
                ended = events.leave_ended(
                    self.case_id, leave_id, leave.ends_at, "RETURNED_ON_TIME"
                )
            self.add(events.LEAVE_ENDED, ended, leave.ends_at)

    def escape(self, escape: Escape, risk: str) -> None:
        leave_id = None if escape.from_leave is None else self.leave_ids[escape.from_leave]
        reported = events.escape_reported(
            self.case_id,
            escape_id=self.escape_id,
            escaped_at=escape.escaped_at,
            reported_at=escape.reported_at,
            circumstance=escape.circumstance,
            unit=self.unit,
            risk=risk,
            leave_id=leave_id,
        )
        self.add(events.ESCAPE_REPORTED, reported, escape.reported_at)
        ended = events.escape_ended(
            self.case_id, self.escape_id, escape.ended_at, escape.how, self.unit
        )
        self.add(events.ESCAPE_ENDED, ended, escape.ended_at)

    def release(
        self, release: Release, person: Mapping[str, Any], ban: Mapping[str, Any] | None
    ) -> None:
        release_id = new_event_id()
        released_on = release.released_at.date()
        conditions = events.release_conditions(
            released_on, release.probation_until, person.get("address"), ban
        )
        scheduled = events.release_scheduled(
            self.case_id,
            release_id=release_id,
            scheduled_for=released_on,
            kind=release.kind,
            unit=self.unit,
            conditions=conditions,
        )
        self.add(events.RELEASE_SCHEDULED, scheduled, release.scheduled_at)
        completed = events.release_completed(
            self.case_id,
            release_id=release_id,
            released_at=release.released_at,
            kind=release.kind,
            unit=self.unit,
            remaining_days=release.remaining_days,
            conditions=conditions,
        )
        self.add(events.RELEASE_COMPLETED, completed, release.released_at)
