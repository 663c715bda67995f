"""The police connector: registers cases, notifies victims, follows each case to its end.

    connector = police_connector(KafkaSettings.from_env(), PoliceStore("police.db"), clock)
    await connector.start(); await connector.ready()
    connector.register_cases(5)            # published as the simulated clock reaches them
    connector.store.progress()             # {case id: CaseProgress(stage, ended)}

On each `victim.alert` (the first notice or a repeat) the coordinator contacts
the victim, simulated (`victim_contact`): most confirm after a while and police
publish `victim.alert.acknowledged`; some never answer, and the hub's
`victim.alert.escalated` puts the alert on the coordinator's list of victims to
reach by other means; some withdraw their wish to be told part way
(`victim.notification-withdrawn`).

`hub connector police` runs one from the command line.
"""

from __future__ import annotations

import logging
import random
from datetime import timedelta

from connectors.common.clock import SimulatedClock
from connectors.common.connector import Connector, ConnectorOptions
from connectors.common.inbox import Handled, Reaction, Received
from connectors.common.planned import continued_trace
from connectors.police.coordinator import VictimCoordinator
from connectors.police.events import case_events, new_case
from connectors.police.handlers import victim_notification, what_police_learn
from connectors.police.store import PoliceStore
from hub.demo.synthetic import case_number
from hub.settings import KafkaSettings

AGENCY = "police"
DEFAULT_SEED = 2026
VICTIM_ALERT = "victim.alert"
ALERT_ESCALATED = "victim.alert.escalated"
# Everything police receive besides alerts: kept per case in the inbox, noted in progress.
CASE_NEWS = (
    "judgment.rendered",
    "judgment.final",
    "admission.completed",
    "leave.granted",
    "leave.started",
    "leave.ended",
    "escape.reported",
    "escape.ended",
    "release.scheduled",
    "release.completed",
)


class PoliceConnector(Connector):
    """Police's connector, with the seeded generator of the cases police register."""

    store: PoliceStore

    def __init__(
        self,
        settings: KafkaSettings,
        store: PoliceStore,
        clock: SimulatedClock,
        *,
        seed: int = DEFAULT_SEED,
        options: ConnectorOptions | None = None,
    ) -> None:
        reactions = police_reactions(store, clock, seed)
        super().__init__(AGENCY, settings, store, clock, reactions, options=options)
        self._content = random.Random(seed)  # people, offences, victims, wishes
        self._numbers = random.Random()  # case numbers: new every run

    def register_cases(self, count: int, every: timedelta = timedelta(days=1)) -> list[str]:
        """Plan `count` new cases, one every `every` of simulated time; their ids.

        A new store's first case is registered when simulated time starts (so a
        seed gives the same dates every run), later ones from now.
        """
        known = set(self.store.registered_cases())
        start = (
            max(self.clock.now(), self.store.last_registered_at() + every)
            if known
            else self.clock.start
        )
        case_ids = []
        with self.store.transaction():
            for index in range(count):
                case_id = case_number(self._numbers)
                while case_id in known:
                    case_id = case_number(self._numbers)
                known.add(case_id)
                case = new_case(self._content, case_id, start + index * every)
                self.store.schedule(case_events(case))
                case_ids.append(case_id)
        self.wake()
        return case_ids


LEAVE_RETRACTED = "leave.granted.retracted"


def police_reactions(
    store: PoliceStore, clock: SimulatedClock | None = None, seed: int = DEFAULT_SEED
) -> dict[str, Reaction]:
    log = logging.getLogger(f"connectors.{AGENCY}")
    coordinator = VictimCoordinator(store, clock or SimulatedClock(), seed)

    def on_victim_alert(received: Received) -> Handled:
        notice = victim_notification(received.data)
        sequence = int(received.data["sequence"])
        store.record_notification(notice)
        trace = continued_trace(received.envelope.traceparent)
        victim, withdrawals = coordinator.victim_of(notice, trace)
        confirmations = coordinator.confirmation(victim, notice, sequence, trace)
        # The coordinator's work list has the contact details; the log has ids and codes.
        log.info(
            "victim alert %s (notice %d) for case %s: %s",
            notice.alert_id,
            sequence,
            notice.case_id,
            notice.summary(),
        )
        answer = "confirmed" if confirmations else "no answer"
        note = f"{notice.summary()}, notice {sequence}: {answer}"
        return Handled([*withdrawals, *confirmations], note=note)

    def on_alert_escalated(received: Received) -> Handled:
        store.record_escalation(received.data)
        attempts = received.data["attempts"]
        log.info(
            "victim alert %s for case %s escalated after %d notice(s): coordinator to follow up",
            received.data["alertId"],
            received.case_id,
            attempts,
        )
        return Handled(note=f"{received.data['kind']} escalated after {attempts} notice(s)")

    def on_case_news(received: Received) -> Handled:
        return Handled(note=what_police_learn(received.type_name, received.data))

    def on_leave_retracted(received: Received) -> Handled:
        withdrawn = store.withdraw_notifications(received.data["retractsEventId"])
        return Handled(note=f"leave retracted: {withdrawn} pending victim notice(s) withdrawn")

    return {
        VICTIM_ALERT: on_victim_alert,
        ALERT_ESCALATED: on_alert_escalated,
        LEAVE_RETRACTED: on_leave_retracted,
        **dict.fromkeys(CASE_NEWS, on_case_news),
    }


def police_connector(
    settings: KafkaSettings,
    store: PoliceStore,
    clock: SimulatedClock,
    *,
    seed: int = DEFAULT_SEED,
    options: ConnectorOptions | None = None,
) -> PoliceConnector:
    """The police connector over `store`, dating what it does by `clock`."""
    return PoliceConnector(settings, store, clock, seed=seed, options=options)
