"""KODA's own store: the shared inbox and outbox, and one row per sentence it executes.

The steps of an execution (admission, leaves, escape, release) are KODA's
outbox; `executions` says which judgment each belongs to and how it ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from connectors.common.store import EventStore, utc_now
from connectors.koda.handlers import Execution


@dataclass(frozen=True, slots=True)
class ExecutionRow:
    case_id: str
    judgment_id: str
    category: str
    unit_id: str
    release_kind: str
    released_on: str
    leaves: int
    escaped: bool


class KodaStore(EventStore):
    TABLES: ClassVar[str] = """
    CREATE TABLE IF NOT EXISTS executions (
        judgment_id TEXT PRIMARY KEY,
        case_id TEXT NOT NULL,
        category TEXT NOT NULL,
        unit_id TEXT NOT NULL,
        release_kind TEXT NOT NULL,
        released_on TEXT NOT NULL,
        leaves INTEGER NOT NULL,
        escaped INTEGER NOT NULL,
        cancelled_at TEXT              -- the judgment was retracted: the execution stopped
    );
    """

    def has_execution(self, judgment_id: str) -> bool:
        query = "SELECT 1 FROM executions WHERE judgment_id = ?"
        return self.db.execute(query, (judgment_id,)).fetchone() is not None

    def record_execution(self, execution: Execution) -> None:
        self.db.execute(
            "INSERT INTO executions VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)",
            (
                execution.judgment_id,
                execution.case_id,
                execution.category,
                execution.unit["unitId"],
                execution.release.kind,
                execution.release.released_at.date().isoformat(),
                execution.leaves,
                execution.escaped,
            ),
        )

    def cancel_execution(self, judgment_id: str) -> bool:
        """Stop the execution of a retracted judgment; False when there was none to stop."""
        cursor = self.db.execute(
            "UPDATE executions SET cancelled_at = ? WHERE judgment_id = ? AND cancelled_at IS NULL",
            (utc_now(), judgment_id),
        )
        return cursor.rowcount == 1

    def executions(self) -> list[ExecutionRow]:
        """The sentences KODA executes (a cancelled one is no longer among them)."""
        rows = self.db.execute(
            "SELECT case_id, judgment_id, category, unit_id, release_kind, released_on, leaves,"
            " escaped FROM executions WHERE cancelled_at IS NULL ORDER BY rowid"
        )
        return [
            ExecutionRow(
                case_id=row[0],
                judgment_id=row[1],
                category=row[2],
                unit_id=row[3],
                release_kind=row[4],
                released_on=row[5],
                leaves=row[6],
                escaped=bool(row[7]),
            )
            for row in rows
        ]
