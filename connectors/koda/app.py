"""The KODA connector: executes final prison sentences, from admission to release.

    connector = koda_connector(KafkaSettings.from_env(), KodaStore("koda.db"), clock)
    await connector.start(); await connector.ready()
    connector.store.executions()                   # one row per sentence executed
    connector.store.published("release.completed")  # releases done so far

`hub connector koda` runs one from the command line.
"""

from __future__ import annotations

from datetime import date

import orjson

from connectors.common.clock import SimulatedClock, at
from connectors.common.connector import Connector, ConnectorOptions
from connectors.common.inbox import Handled, Reaction, Received
from connectors.common.planned import continued_trace, paced, seeded_random
from connectors.koda.handlers import DEFAULT_ESCAPE_RATE, execution_plan
from connectors.koda.store import KodaStore
from hub.settings import KafkaSettings

AGENCY = "koda"
JUDGMENT_FINAL = "judgment.final"


def koda_reactions(
    store: KodaStore, clock: SimulatedClock, seed: int, escape_rate: float
) -> dict[str, Reaction]:
    def on_judgment_final(received: Received) -> Handled:
        final = received.data
        if store.has_execution(final["judgmentId"]):
            return Handled(note="already being executed")
        # Seeded by what was decided, not by dates or ids that differ from run to
        # run: a seed reproduces each execution's choices.
        sentence = orjson.dumps(final["sentence"], option=orjson.OPT_SORT_KEYS).decode()
        rng = seeded_random(seed, AGENCY, final["defendantNationalIdentityNumber"], sentence)
        execution = execution_plan(final, rng, escape_rate)
        if execution is None:
            return Handled(note=f"{final['sentence']['kind']}: not served in prison, no admission")
        store.record_execution(execution)
        planned = paced(
            execution.steps,
            at(date.fromisoformat(final["finalFrom"]), 8),
            clock.now(),
            continued_trace(received.envelope.traceparent),
        )
        return Handled(planned, execution.summary())

    return {JUDGMENT_FINAL: on_judgment_final}


def koda_connector(
    settings: KafkaSettings,
    store: KodaStore,
    clock: SimulatedClock,
    *,
    seed: int = 2026,
    escape_rate: float = DEFAULT_ESCAPE_RATE,
    options: ConnectorOptions | None = None,
) -> Connector:
    """The KODA connector over `store`, dating what it does by `clock`."""
    reactions = koda_reactions(store, clock, seed, escape_rate)
    return Connector(AGENCY, settings, store, clock, reactions, options=options)
