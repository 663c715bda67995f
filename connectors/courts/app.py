"""The courts connector: tries the cases police register and makes judgments final.

    connector = courts_connector(KafkaSettings.from_env(), CourtsStore("courts.db"), clock)
    await connector.start(); await connector.ready()
    connector.store.judgments()            # outcome, dates and sentence per case

`hub connector courts` runs one from the command line.
"""

from __future__ import annotations

from datetime import datetime

from connectors.common.clock import SimulatedClock
from connectors.common.connector import Connector, ConnectorOptions
from connectors.common.inbox import Handled, Reaction, Received
from connectors.common.planned import continued_trace, paced, seeded_random
from connectors.courts.handlers import VerdictMix, trial
from connectors.courts.store import CourtsStore
from hub.settings import KafkaSettings

AGENCY = "courts"
CASE_REGISTERED = "case.registered"
# What KODA tells the courts (a sentence being executed, a release and its
# conditions): kept per case in the inbox.
EXECUTION_NEWS = ("admission.completed", "release.scheduled", "release.completed")


def courts_reactions(
    store: CourtsStore, clock: SimulatedClock, seed: int, mix: VerdictMix
) -> dict[str, Reaction]:
    def on_case_registered(received: Received) -> Handled:
        case = dict(received.data)
        if store.has_case(received.case_id):
            return Handled(note="already registered: tried once")
        store.record_case(case)
        # Seeded by what the case is about, not by its random number: a seed
        # reproduces the verdicts whatever order the cases arrive in.
        sections = [o["provision"]["section"] for o in case["offences"]]
        rng = seeded_random(seed, AGENCY, case["suspect"]["nationalIdentityNumber"], *sections)
        decided = trial(case, rng, mix)
        if decided is None:
            return Handled(note=f"{case['chargeKind']}: nothing to try")
        store.record_judgment(decided)
        planned = paced(
            decided.planned(),
            datetime.fromisoformat(case["registeredAt"]),
            clock.now(),
            continued_trace(received.envelope.traceparent),
        )
        return Handled(planned, f"{decided.outcome}, rendered {decided.rendered['renderedOn']}")

    def on_execution_news(received: Received) -> Handled:
        return Handled(note="stored")

    return {CASE_REGISTERED: on_case_registered, **dict.fromkeys(EXECUTION_NEWS, on_execution_news)}


def courts_connector(
    settings: KafkaSettings,
    store: CourtsStore,
    clock: SimulatedClock,
    *,
    seed: int = 2026,
    mix: VerdictMix | None = None,
    options: ConnectorOptions | None = None,
) -> Connector:
    """The courts connector over `store`, dating what it does by `clock`."""
    reactions = courts_reactions(store, clock, seed, mix or VerdictMix())
    return Connector(AGENCY, settings, store, clock, reactions, options=options)
