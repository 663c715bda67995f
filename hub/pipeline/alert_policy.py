"""How hard the hub tries to reach a victim: acknowledgement time, repeats, minimum notice."""

from __future__ import annotations

from dataclasses import dataclass

HOUR_MS = 3_600_000


@dataclass(frozen=True, slots=True)
class AlertPolicy:
    """An alert not acknowledged within `ack_timeout_ms` is sent again, up to `repeats`
    times, then escalated to a person at police. Urgent alerts (an escape) wait
    `urgent_divisor` times less between attempts. A leave granted less than
    `min_notice_ms` before it starts is a LATE_NOTICE: alerted at once, and flagged."""

    ack_timeout_ms: int = 2 * HOUR_MS
    repeats: int = 3
    urgent_divisor: int = 4
    min_notice_ms: int = 24 * HOUR_MS

    def __post_init__(self) -> None:
        if self.ack_timeout_ms <= 0 or self.repeats < 0 or self.urgent_divisor < 1:
            raise ValueError(f"an alert policy needs a positive timeout and divisor: {self}")

    def wait_ms(self, urgency: str) -> int:
        """How long an attempt waits for its acknowledgement."""
        if urgency == "URGENT":
            return max(1, self.ack_timeout_ms // self.urgent_divisor)
        return self.ack_timeout_ms
