"""The courts' own store: the shared inbox and outbox, the cases and their judgments.

A case is kept as it arrived from police through the hub (the suspect's
identity number and name among it: the court needs them and nobody types
them in again); a judgment row records the outcome and its dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import orjson

from connectors.common.store import EventStore, utc_now
from connectors.courts.handlers import Trial


@dataclass(frozen=True, slots=True)
class Judgment:
    case_id: str
    judgment_id: str
    outcome: str  # ACQUITTAL or the sentence kind
    rendered_on: str
    final_from: str | None
    sentence: dict[str, Any] | None


class CourtsStore(EventStore):
    TABLES: ClassVar[str] = """
    CREATE TABLE IF NOT EXISTS cases (
        case_id TEXT PRIMARY KEY,
        registration BLOB NOT NULL,
        received_at TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS judgments (
        judgment_id TEXT PRIMARY KEY,
        case_id TEXT NOT NULL UNIQUE REFERENCES cases (case_id),
        outcome TEXT NOT NULL,
        rendered_on TEXT NOT NULL,
        final_from TEXT,
        sentence BLOB
    );
    """

    def has_case(self, case_id: str) -> bool:
        query = "SELECT 1 FROM cases WHERE case_id = ?"
        return self.db.execute(query, (case_id,)).fetchone() is not None

    def record_case(self, case: dict[str, Any]) -> None:
        self.db.execute(
            "INSERT INTO cases VALUES (?, ?, ?)", (case["caseId"], orjson.dumps(case), utc_now())
        )

    def record_judgment(self, trial: Trial) -> None:
        sentence = trial.rendered.get("sentence")
        self.db.execute(
            "INSERT INTO judgments VALUES (?, ?, ?, ?, ?, ?)",
            (
                trial.rendered["judgmentId"],
                trial.case_id,
                trial.outcome,
                trial.rendered["renderedOn"],
                None if trial.final is None else trial.final["finalFrom"],
                None if sentence is None else orjson.dumps(sentence),
            ),
        )

    def judgments(self) -> list[Judgment]:
        rows = self.db.execute(
            "SELECT case_id, judgment_id, outcome, rendered_on, final_from, sentence"
            " FROM judgments ORDER BY rowid"
        )
        return [
            Judgment(
                case_id=row[0],
                judgment_id=row[1],
                outcome=row[2],
                rendered_on=row[3],
                final_from=row[4],
                sentence=None if row[5] is None else orjson.loads(row[5]),
            )
            for row in rows
        ]
