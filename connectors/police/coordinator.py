"""Police's victim coordinator: who is on the list, and what each contact attempt brings.

The coordinator meets a victim with their first alert and from then on knows
how they respond (`victim_contact`, simulated). Each notice of an alert, the
first or a repeat, is one attempt: the victim confirms it or does not. What
follows (a confirmation, a withdrawal) is planned in simulated time and
published by the outbox relay, like everything police send.
"""

from __future__ import annotations

from connectors.common.clock import SimulatedClock
from connectors.common.planned import PlannedEvent, seeded_random
from connectors.police.events import (
    ALERT_ACKNOWLEDGED,
    NOTIFICATION_WITHDRAWN,
    acknowledgement,
    withdrawal,
)
from connectors.police.handlers import VictimNotification
from connectors.police.store import PoliceStore
from connectors.police.victim_contact import (
    WITHDRAWS_AFTER_FIRST_NOTICE,
    VictimContact,
    answer_delay,
    victim_behaviour,
)


class VictimCoordinator:
    """Contacts victims for police, over police's store and simulated clock."""

    def __init__(self, store: PoliceStore, clock: SimulatedClock, seed: int) -> None:
        self.store = store
        self.clock = clock
        self.seed = seed

    def victim_of(
        self, notice: VictimNotification, trace: str
    ) -> tuple[VictimContact, list[PlannedEvent]]:
        """The victim the notice is for; on their first alert, how they will respond and,
        for one who will withdraw, the withdrawal (planned)."""
        known = self.store.victim(notice.case_id, notice.victim_id)
        if known is not None:
            return known, []
        identity = self.store.victim_identity(notice.case_id, notice.victim_id)
        behaviour = victim_behaviour(self.seed, identity or f"{notice.case_id}/{notice.victim_id}")
        now = self.clock.now()
        withdraws_at = now + WITHDRAWS_AFTER_FIRST_NOTICE if behaviour.withdraws else None
        victim = VictimContact(notice.case_id, notice.victim_id, behaviour.answers, withdraws_at)
        self.store.record_victim(victim)
        if withdraws_at is None:
            return victim, []
        data = withdrawal(notice.case_id, notice.victim_id, withdraws_at)
        planned = PlannedEvent(NOTIFICATION_WITHDRAWN, 1, data, withdraws_at, traceparent=trace)
        return victim, [planned]

    def confirmation(
        self, victim: VictimContact, notice: VictimNotification, sequence: int, trace: str
    ) -> list[PlannedEvent]:
        """The victim's confirmation of notice `sequence`, if they give one: once per
        alert, and not after they withdrew (the coordinator no longer calls them)."""
        if not victim.answers.confirms(sequence) or self.store.is_acknowledged(notice.alert_id):
            return []
        rng = seeded_random(
            self.seed, "answer", victim.case_id, victim.victim_id, notice.kind, sequence
        )
        answered_at = self.clock.now() + answer_delay(rng)
        if victim.withdrawn_by(answered_at):
            return []
        by = "VICTIM" if notice.representative is None else "REPRESENTATIVE"
        data = acknowledgement(notice.case_id, notice.alert_id, sequence, by, answered_at)
        event = PlannedEvent(ALERT_ACKNOWLEDGED, 1, data, answered_at, traceparent=trace)
        self.store.record_acknowledgement(notice.alert_id, event, sequence)
        return [event]
