"""What an agency did, as values for progress lines and the demo's timeline.

Actions carry ids, types, codes and dates, never personal data: they end up
on a terminal and in logs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Verb(StrEnum):
    PUBLISHED = "published"  # an event of the agency's own went to its ingress topic
    PROCESSED = "processed"  # an event from the hub was acted on and committed
    FAILED = "failed"  # an event from the hub could not be acted on (recorded, confirmed FAILED)
    DUPLICATE = "duplicate"  # an event already processed came again (after a restart)
    UNREADABLE = "unreadable"  # a record without a valid CloudEvents envelope
    REFUSED = "refused"  # a record whose hub signature does not verify (confirmed FAILED)
    RECEIPTED = "receipted"  # the hub's receipt for one of the agency's own events, kept


@dataclass(frozen=True, slots=True)
class Action:
    agency: str
    verb: Verb
    type_name: str  # "judgment.final"; "" for an unreadable record
    case_id: str
    event_id: str
    simulated_at: datetime
    note: str = ""  # e.g. "UNCONDITIONAL_PRISON, release 2025-10-22": codes and dates only

    def line(self) -> str:
        """One readable progress line."""
        arrow = "→" if self.verb is Verb.PUBLISHED else "←"
        text = (
            f"{self.simulated_at:%Y-%m-%d} {self.agency:<6} {arrow} {self.verb:<10} "
            f"{self.type_name:<30} case {self.case_id or '-':<8}"
        )
        return f"{text}  {self.note}" if self.note else text


ActionSink = Callable[[Action], None]


def ignore(action: Action) -> None:
    """The sink that drops every action (the default)."""
