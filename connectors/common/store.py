"""An agency's own store: SQLite, with an inbox and an outbox every agency shares.

The inbox holds every event received from the hub, per case, keyed by
(`ce_source`, `ce_id`): that key is how a redelivery after a restart is
recognised and skipped. The outbox holds the events the agency planned, each
with the simulated instant it is due, until the relay has published it.
Agency stores add their own tables (`TABLES`) and write them in the same
transaction as the inbox row, so a received event is acted on exactly once.

The store may hold personal data (it is the agency's own system); nothing
read from it goes to a log line.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import orjson

from connectors.common.clock import OSLO
from connectors.common.planned import PlannedEvent
from connectors.common.receipts import RECEIPT_TABLES, ReceiptLedger
from hub.envelope import Envelope

_SHARED_TABLES = """
CREATE TABLE IF NOT EXISTS inbox (
    source TEXT NOT NULL,
    event_id TEXT NOT NULL,
    type TEXT NOT NULL,
    case_id TEXT NOT NULL,
    status TEXT NOT NULL,          -- PROCESSED or FAILED
    reason TEXT,                   -- a delivery.confirmed reason code when FAILED
    detail TEXT,                   -- why, for the agency's own staff
    data BLOB NOT NULL,
    produced_at TEXT NOT NULL,     -- ce_time
    received_at TEXT NOT NULL,     -- real UTC time it was committed here
    PRIMARY KEY (source, event_id)
);
CREATE INDEX IF NOT EXISTS inbox_by_case ON inbox (case_id);
CREATE TABLE IF NOT EXISTS unreadable (
    topic TEXT NOT NULL, part INTEGER NOT NULL, record_offset INTEGER NOT NULL,
    attribute TEXT NOT NULL, received_at TEXT NOT NULL,
    PRIMARY KEY (topic, part, record_offset)
);
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    version INTEGER NOT NULL,
    case_id TEXT NOT NULL,
    data BLOB NOT NULL,
    due REAL NOT NULL,             -- simulated instant, POSIX seconds
    traceparent TEXT,
    published_at TEXT              -- real UTC time the broker acknowledged it
);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (published_at, due, seq);
"""


@dataclass(frozen=True, slots=True)
class ReceivedEvent:
    """One inbox row: an event the hub delivered, and what became of it."""

    source: str
    event_id: str
    type_name: str
    case_id: str
    status: str
    reason: str | None
    data: dict[str, Any]
    produced_at: str
    received_at: str


@dataclass(frozen=True, slots=True)
class OutboxEvent:
    """One outbox row: a planned event and, once published, when."""

    event: PlannedEvent
    published_at: str | None


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


class EventStore(ReceiptLedger):
    """The SQLite file (or memory) of one agency; subclasses add `TABLES`."""

    TABLES: ClassVar[str] = ""

    def __init__(self, path: str | Path = ":memory:") -> None:
        self.path = str(path)
        # One connection, used by the connector's event loop; autocommit outside
        # `transaction()`. check_same_thread is off so a thread that owns the loop
        # may differ from the one that opened the store.
        self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        if self.path != ":memory:":
            self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(_SHARED_TABLES + RECEIPT_TABLES + self.TABLES)

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything inside commits together or not at all."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # The inbox

    def has_received(self, source: str, event_id: str) -> bool:
        query = "SELECT 1 FROM inbox WHERE source = ? AND event_id = ?"
        return self.db.execute(query, (source, event_id)).fetchone() is not None

    def record_received(
        self,
        envelope: Envelope,
        data: bytes,
        status: str,
        reason: str | None = None,
        detail: str | None = None,
    ) -> None:
        self.db.execute(
            "INSERT INTO inbox VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                envelope.source,
                envelope.id,
                envelope.event_type,
                envelope.subject,
                status,
                reason,
                detail,
                data,
                envelope.time,
                utc_now(),
            ),
        )

    def received_event(self, source: str, event_id: str) -> ReceivedEvent | None:
        """The inbox row of one event, if it was received."""
        found = self.received(source=source, event_id=event_id)
        return found[0] if found else None

    def record_unreadable(self, topic: str, partition: int, offset: int, attribute: str) -> None:
        self.db.execute(
            "INSERT OR IGNORE INTO unreadable VALUES (?, ?, ?, ?, ?)",
            (topic, partition, offset, attribute, utc_now()),
        )

    def received(
        self,
        type_name: str | None = None,
        case_id: str | None = None,
        *,
        source: str | None = None,
        event_id: str | None = None,
    ) -> list[ReceivedEvent]:
        """Inbox rows in the order they were committed, optionally of one type, case or event."""
        where, args = _filters(type=type_name, case_id=case_id, source=source, event_id=event_id)
        rows = self.db.execute(
            "SELECT source, event_id, type, case_id, status, reason, data, produced_at,"
            f" received_at FROM inbox {where} ORDER BY rowid",
            args,
        )
        return [
            ReceivedEvent(r[0], r[1], r[2], r[3], r[4], r[5], orjson.loads(r[6]), r[7], r[8])
            for r in rows
        ]

    # The outbox

    def schedule(self, events: Iterable[PlannedEvent]) -> None:
        self.db.executemany(
            "INSERT INTO outbox (event_id, type, version, case_id, data, due, traceparent)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    e.event_id,
                    e.type_name,
                    e.version,
                    e.case_id,
                    orjson.dumps(e.data),
                    e.due.timestamp(),
                    e.traceparent,
                )
                for e in events
            ],
        )

    def due(self, until: datetime, limit: int = 500) -> list[PlannedEvent]:
        """Unpublished events due by `until`, in the order they happen (then were planned)."""
        rows = self.db.execute(
            f"SELECT {_OUTBOX_COLUMNS} FROM outbox WHERE published_at IS NULL AND due <= ?"
            " ORDER BY due, seq LIMIT ?",
            (until.timestamp(), limit),
        )
        return [_planned(row) for row in rows]

    def next_due(self) -> datetime | None:
        row = self.db.execute("SELECT MIN(due) FROM outbox WHERE published_at IS NULL").fetchone()
        return None if row[0] is None else datetime.fromtimestamp(row[0], OSLO)

    def mark_published(self, event_ids: Sequence[str]) -> None:
        now = utc_now()
        self.db.executemany(
            "UPDATE outbox SET published_at = ? WHERE event_id = ?",
            [(now, event_id) for event_id in event_ids],
        )

    def cancel_planned(self, case_id: str, type_names: Iterable[str]) -> int:
        """Take back the case's unpublished events of these types; how many there were."""
        types = tuple(type_names)
        marks = ", ".join("?" * len(types))
        cursor = self.db.execute(
            f"DELETE FROM outbox WHERE published_at IS NULL AND case_id = ? AND type IN ({marks})",
            (case_id, *types),
        )
        return cursor.rowcount

    def outbox(self, type_name: str | None = None, case_id: str | None = None) -> list[OutboxEvent]:
        """Every planned event, published or not, in the order they happen."""
        where, args = _filters(type=type_name, case_id=case_id)
        rows = self.db.execute(
            f"SELECT {_OUTBOX_COLUMNS}, published_at FROM outbox {where} ORDER BY due, seq", args
        )
        return [OutboxEvent(_planned(row), row[7]) for row in rows]

    def published(
        self, type_name: str | None = None, case_id: str | None = None
    ) -> list[PlannedEvent]:
        return [row.event for row in self.outbox(type_name, case_id) if row.published_at]


_OUTBOX_COLUMNS = "event_id, type, version, case_id, data, due, traceparent"


def _planned(row: Sequence[Any]) -> PlannedEvent:
    due = datetime.fromtimestamp(row[5], OSLO)
    return PlannedEvent(row[1], row[2], orjson.loads(row[4]), due, row[0], row[6])


def _filters(**columns: str | None) -> tuple[str, tuple[str, ...]]:
    named = {column: value for column, value in columns.items() if value is not None}
    if not named:
        return "", ()
    return "WHERE " + " AND ".join(f"{column} = ?" for column in named), tuple(named.values())
