"""Police's own store: the shared inbox and outbox, and the victim notification outbox.

What police registered is their outbox (`case.registered`, and
`victim.notification-requested` per victim who asked); what the chain sent
back is their inbox. `notifications` is the work list of the victim
coordinator: one row per alert, with the contact details it needs.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import ClassVar

import orjson

from connectors.common.store import EventStore, utc_now
from connectors.police.events import CASE_REGISTERED, NOTIFICATION_REQUESTED
from connectors.police.handlers import CaseProgress, VictimNotification, case_progress


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
    """

    def record_notification(self, notice: VictimNotification) -> None:
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
