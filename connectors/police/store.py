"""Police's own store: the shared inbox and outbox, and the victim notification outbox.

What police registered is their outbox (`case.registered`, and
`victim.notification-requested` per victim who asked); what the chain sent
back is their inbox. `notifications` is the work list of the victim
coordinator: one row per alert, with the contact details it needs; `victims`
says how each simulated victim answers, `acknowledgements` which alerts a
victim confirmed (the event is in the outbox) and `escalations` which alerts
the hub gave up repeating, for a person at police to follow up.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar

import orjson

from connectors.common.clock import OSLO
from connectors.common.planned import PlannedEvent
from connectors.common.store import EventStore, utc_now
from connectors.police.events import CASE_REGISTERED, NOTIFICATION_REQUESTED
from connectors.police.handlers import CaseProgress, VictimNotification, case_progress
from connectors.police.victim_contact import Answers, VictimContact


class PoliceStore(EventStore):
    TABLES: ClassVar[str] = """
    CREATE TABLE IF NOT EXISTS notifications (
        alert_id TEXT PRIMARY KEY,
        case_id TEXT NOT NULL,
        victim_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        urgency TEXT NOT NULL,
        channel TEXT NOT NULL,
        notify_by TEXT NOT NULL,
        contact BLOB NOT NULL,
        representative BLOB,
        language TEXT,
        trigger_type TEXT NOT NULL,
        trigger_event_id TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 1,  -- the hub repeats an unacknowledged alert
        withdrawn_at TEXT              -- the event behind it was retracted: do not call
    );
    CREATE INDEX IF NOT EXISTS notifications_by_case ON notifications (case_id);
    CREATE TABLE IF NOT EXISTS victims (
        case_id TEXT NOT NULL,
        victim_id TEXT NOT NULL,
        answers TEXT NOT NULL,         -- FIRST_NOTICE, A_REPEAT or NEVER (simulated)
        withdraws_at REAL,             -- simulated instant, POSIX seconds; NULL: never
        PRIMARY KEY (case_id, victim_id)
    );
    CREATE TABLE IF NOT EXISTS acknowledgements (
        alert_id TEXT PRIMARY KEY,
        event_id TEXT NOT NULL,        -- the victim.alert.acknowledged in the outbox
        attempt INTEGER NOT NULL       -- the notice (sequence) the victim confirmed
    );
    CREATE TABLE IF NOT EXISTS escalations (
        alert_id TEXT PRIMARY KEY,
        attempts INTEGER NOT NULL,
        escalated_at TEXT NOT NULL,    -- as the hub says
        late_notice INTEGER NOT NULL,
        received_at TEXT NOT NULL
    );
    """

    def record_notification(self, notice: VictimNotification) -> None:
        """Put an alert on the work list; a repeat of it counts one more attempt."""
        self.db.execute(
            "INSERT INTO notifications VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, NULL)"
            " ON CONFLICT (alert_id) DO UPDATE SET attempts = attempts + 1",
            (
                notice.alert_id,
                notice.case_id,
                notice.victim_id,
                notice.kind,
                notice.urgency,
                notice.channel,
                notice.notify_by,
                orjson.dumps(notice.contact),
                None if notice.representative is None else orjson.dumps(notice.representative),
                notice.language,
                notice.trigger_type,
                notice.trigger_event_id,
            ),
        )

    def withdraw_notifications(self, trigger_event_id: str) -> int:
        """Take the notices raised by a retracted event off the work list; how many."""
        cursor = self.db.execute(
            "UPDATE notifications SET withdrawn_at = ?"
            " WHERE trigger_event_id = ? AND withdrawn_at IS NULL",
            (utc_now(), trigger_event_id),
        )
        return cursor.rowcount

    def withdrawn_alert_ids(self) -> set[str]:
        rows = self.db.execute("SELECT alert_id FROM notifications WHERE withdrawn_at IS NOT NULL")
        return {row[0] for row in rows}

    def notifications(self, case_id: str | None = None) -> list[VictimNotification]:
        where, args = ("WHERE case_id = ?", (case_id,)) if case_id else ("", ())
        rows = self.db.execute(f"SELECT * FROM notifications {where} ORDER BY rowid", args)
        return [
            VictimNotification(
                alert_id=row[0],
                case_id=row[1],
                victim_id=row[2],
                kind=row[3],
                urgency=row[4],
                channel=row[5],
                notify_by=row[6],
                contact=orjson.loads(row[7]),
                representative=None if row[8] is None else orjson.loads(row[8]),
                language=row[9],
                trigger_type=row[10],
                trigger_event_id=row[11],
            )
            for row in rows
        ]

    def attempts(self, alert_id: str) -> int:
        """How many notices of the alert police received (0: none)."""
        query = "SELECT attempts FROM notifications WHERE alert_id = ?"
        row = self.db.execute(query, (alert_id,)).fetchone()
        return 0 if row is None else int(row[0])

    # The simulated victims, their answers and the escalations

    def victim(self, case_id: str, victim_id: str) -> VictimContact | None:
        query = "SELECT * FROM victims WHERE case_id = ? AND victim_id = ?"
        row = self.db.execute(query, (case_id, victim_id)).fetchone()
        return None if row is None else _victim(row)

    def record_victim(self, victim: VictimContact) -> None:
        withdraws = None if victim.withdraws_at is None else victim.withdraws_at.timestamp()
        self.db.execute(
            "INSERT INTO victims VALUES (?, ?, ?, ?)",
            (victim.case_id, victim.victim_id, str(victim.answers), withdraws),
        )

    def victims(self) -> list[VictimContact]:
        """Every victim the coordinator was asked to contact, in the order first alerted."""
        return [_victim(row) for row in self.db.execute("SELECT * FROM victims ORDER BY rowid")]

    def victim_identity(self, case_id: str, victim_id: str) -> str | None:
        """The identity number police registered for the victim (None: not police's case)."""
        for row in self.outbox(CASE_REGISTERED, case_id):
            for victim in row.event.data["victims"]:
                if victim["victimId"] == victim_id:
                    return str(victim["person"]["nationalIdentityNumber"])
        return None

    def record_acknowledgement(self, alert_id: str, event: PlannedEvent, attempt: int) -> None:
        """The victim confirmed the alert; `event` (planned in this transaction) tells the hub."""
        self.db.execute(
            "INSERT INTO acknowledgements VALUES (?, ?, ?)", (alert_id, event.event_id, attempt)
        )

    def is_acknowledged(self, alert_id: str) -> bool:
        query = "SELECT 1 FROM acknowledgements WHERE alert_id = ?"
        return self.db.execute(query, (alert_id,)).fetchone() is not None

    def acknowledged_alert_ids(self) -> set[str]:
        return {row[0] for row in self.db.execute("SELECT alert_id FROM acknowledgements")}

    def record_escalation(self, escalated: Mapping[str, Any]) -> None:
        """The hub escalated an alert nobody confirmed: a person at police must act."""
        self.db.execute(
            "INSERT OR IGNORE INTO escalations VALUES (?, ?, ?, ?, ?)",
            (
                escalated["alertId"],
                escalated["attempts"],
                escalated["escalatedAt"],
                bool(escalated.get("lateNotice")),
                utc_now(),
            ),
        )

    def escalations(self) -> list[tuple[str, str | None, str | None, str | None, int]]:
        """(alert id, case id, victim id, kind, attempts) of each escalated alert: the
        coordinator's list of victims to reach by other means."""
        rows = self.db.execute(
            "SELECT e.alert_id, n.case_id, n.victim_id, n.kind, e.attempts FROM escalations e"
            " LEFT JOIN notifications n USING (alert_id) ORDER BY e.rowid"
        )
        return [(r[0], r[1], r[2], r[3], r[4]) for r in rows]

    def registered_cases(self) -> list[str]:
        """Case ids police registered, in the order they were registered."""
        return [row.event.case_id for row in self.outbox(CASE_REGISTERED)]

    def last_registered_at(self) -> datetime:
        """When the latest case was registered (simulated time); only for a store with cases."""
        return max(row.event.due for row in self.outbox(CASE_REGISTERED))

    def wishes(self) -> dict[tuple[str, str], frozenset[str]]:
        """What each victim asked to be told of, by (case id, victim id)."""
        return {
            (e.event.case_id, e.event.data["victimId"]): frozenset(e.event.data["events"])
            for e in self.outbox(NOTIFICATION_REQUESTED)
        }

    def progress(self) -> dict[str, CaseProgress]:
        """Where every registered case stands, by case id."""
        received = defaultdict(list)
        for event in self.received():
            if event.status == "PROCESSED":
                received[event.case_id].append((event.type_name, event.data))
        return {
            e.event.case_id: case_progress(e.event.data, received[e.event.case_id])
            for e in self.outbox(CASE_REGISTERED)
        }


def _victim(row: Sequence[Any]) -> VictimContact:
    withdraws_at = None if row[3] is None else datetime.fromtimestamp(row[3], OSLO)
    return VictimContact(row[0], row[1], Answers(row[2]), withdraws_at)
