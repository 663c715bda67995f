"""What the hub answered about each event an agency sent, and what is still undelivered.

Every event an agency publishes gets a receipt from the hub on the agency's own
egress topic (ACCEPTED with its recipients, REJECTED with a reason and who must
act, PENDING), then DELIVERED or FAILED_RECEIVER per recipient. The connector
keeps them, so its staff can see, after a configurable time, which events have
not reached everyone they should have, without asking the hub's operators.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

RECEIPT_TABLES = """
CREATE TABLE IF NOT EXISTS receipts (
    receipt_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    status TEXT NOT NULL,          -- ACCEPTED, REJECTED, PENDING, DELIVERED, FAILED_RECEIVER
    recipient TEXT,                -- with DELIVERED and FAILED_RECEIVER
    recipients TEXT,               -- with ACCEPTED: who it was routed to, comma-separated
    reason TEXT,
    action_by TEXT,
    issued_at TEXT NOT NULL,
    PRIMARY KEY (receipt_id)
);
CREATE INDEX IF NOT EXISTS receipts_by_event ON receipts (event_id);
"""


@dataclass(frozen=True, slots=True)
class Undelivered:
    """A published event that has not reached every recipient (or was refused)."""

    event_id: str
    type_name: str
    case_id: str
    published_at: str
    state: str  # NO_RECEIPT, PENDING, REJECTED, or AWAITING (recipients below)
    awaiting: tuple[str, ...] = ()
    reason: str | None = None
    action_by: str | None = None


class ReceiptLedger:
    """The receipts table of an agency's store (mixed into `EventStore`)."""

    db: sqlite3.Connection

    def record_receipt(self, receipt: Mapping[str, Any]) -> None:
        """Keep a receipt; the same receipt again (a resend's answer) is kept once."""
        self.db.execute(
            "INSERT OR IGNORE INTO receipts VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                receipt["receiptId"],
                receipt["eventId"],
                receipt["status"],
                receipt.get("recipient"),
                ",".join(receipt.get("recipients", ())),
                receipt.get("reason"),
                receipt.get("actionBy"),
                receipt["issuedAt"],
            ),
        )

    def receipt_statuses(self, event_id: str) -> list[tuple[str, str | None]]:
        """(status, recipient) of every receipt for the event, in the order issued."""
        query = "SELECT status, recipient FROM receipts WHERE event_id = ? ORDER BY issued_at"
        return [(row[0], row[1]) for row in self.db.execute(query, (event_id,))]

    def undelivered(self, published_before: datetime) -> list[Undelivered]:
        """Events published before the instant (real UTC) not yet confirmed by every recipient.

        The hub's receipts are the evidence: no answer at all, still PENDING,
        REJECTED, or ACCEPTED with some recipient not yet DELIVERED.
        """
        published = self.db.execute(
            "SELECT event_id, type, case_id, published_at FROM outbox"
            " WHERE published_at IS NOT NULL AND published_at < ? AND type != ?"
            " ORDER BY published_at",
            (published_before.isoformat(timespec="microseconds"), "delivery.confirmed"),
        ).fetchall()
        found = []
        for event_id, type_name, case_id, published_at in published:
            state = self._state(event_id)
            if state is not None:
                found.append(Undelivered(event_id, type_name, case_id, published_at, *state))
        return found

    def _state(self, event_id: str) -> tuple[str, tuple[str, ...], str | None, str | None] | None:
        rows = self.db.execute(
            "SELECT status, recipient, recipients, reason, action_by FROM receipts"
            " WHERE event_id = ? ORDER BY issued_at",
            (event_id,),
        ).fetchall()
        answers = [row for row in rows if row[0] in ("ACCEPTED", "REJECTED", "PENDING")]
        if not answers:
            return ("NO_RECEIPT", (), None, None)
        status, _, recipients, reason, action_by = answers[-1]
        if status != "ACCEPTED":
            return (status, (), reason, action_by)
        delivered = {row[1] for row in rows if row[0] == "DELIVERED"}
        awaiting = tuple(r for r in (recipients or "").split(",") if r and r not in delivered)
        return ("AWAITING", awaiting, None, None) if awaiting else None
