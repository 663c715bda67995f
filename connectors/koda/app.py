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
from connectors.koda import events
from connectors.koda.handlers import DEFAULT_ESCAPE_RATE, execution_plan
from connectors.koda.store import KodaStore
from hub.settings import KafkaSettings

AGENCY = "koda"
JUDGMENT_FINAL = "judgment.final"
JUDGMENT_RETRACTED = "judgment.final.retracted"
EXECUTION_STEPS = (
    events.ADMISSION_COMPLETED,
    events.LEAVE_GRANTED,
    events.LEAVE_STARTED,
    events.LEAVE_ENDED,
    events.ESCAPE_REPORTED,
    events.ESCAPE_ENDED,
    events.RELEASE_SCHEDULED,
    events.RELEASE_COMPLETED,
)


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

    def on_judgment_retracted(received: Received) -> Handled:
        # The retraction names the judgment's event; what KODA planned from it is taken back.
        original = store.received_event(received.envelope.source, received.data["retractsEventId"])
        if original is None:  # the hub sends it only to those who got the judgment
            return Handled(note="retraction of a judgment not in KODA's store: nothing to undo")
        judgment_id = original.data["judgmentId"]
        if not store.cancel_execution(judgment_id):
            return Handled(note="retracted judgment was not executed in prison: nothing to undo")
        cancelled = store.cancel_planned(received.case_id, EXECUTION_STEPS)
        return Handled(note=f"execution cancelled, {cancelled} planned step(s) taken back")

    return {JUDGMENT_FINAL: on_judgment_final, JUDGMENT_RETRACTED: on_judgment_retracted}


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
