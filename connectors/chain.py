"""Police, courts and KODA in one process, on one simulated clock: the demo's and the tests' chain.

    async with Chain(KafkaSettings.from_env(), ChainOptions(days_per_second=100)) as chain:
        case_ids = chain.register_cases(20)
        while not chain.ended(case_ids): ...       # poll; each case's stage is in chain.progress()
        chain.alerts_given() == chain.alerts_due(routes)  # or (routes, the hub's order)

The three connectors join consumer groups of their own for this run and start
from the end of their egress topics (`Chain.start` returns once they are
assigned and positioned), so events of earlier runs on the same broker are not
replayed. Synchronous code (`hub demo`) drives a chain through `ChainThread`.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Callable, Collection, Coroutine, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from opentelemetry.trace import Tracer

from connectors.common.actions import ActionSink, ignore
from connectors.common.clock import SimulatedClock
from connectors.common.connector import Connector, ConnectorOptions
from connectors.common.planned import PlannedEvent
from connectors.courts.app import courts_connector
from connectors.courts.handlers import VerdictMix
from connectors.courts.store import CourtsStore
from connectors.koda.app import koda_connector
from connectors.koda.handlers import DEFAULT_ESCAPE_RATE
from connectors.koda.store import KodaStore
from connectors.police.app import PoliceConnector, police_connector
from connectors.police.events import NOTIFICATION_REQUESTED, NOTIFICATION_WITHDRAWN
from connectors.police.handlers import CaseProgress
from connectors.police.store import PoliceStore
from hub.pipeline.alerts import condition_holds
from hub.pipeline.route import Routes
from hub.settings import KafkaSettings, SigningSettings

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ChainOptions:
    seed: int = 2026
    days_per_second: float = 30.0
    stores: Path | None = None  # folder for police.db, courts.db and koda.db; None: in memory
    escape_rate: float = DEFAULT_ESCAPE_RATE
    mix: VerdictMix = field(default_factory=VerdictMix)
    confirm: bool = True  # connectors send delivery.confirmed
    on_action: ActionSink = ignore
    tracer: Tracer | None = None  # a span for every publish and every consume
    signing: SigningSettings | None = None  # where the keys are; None: the environment's


class Chain:
    """The three reference connectors, sharing one simulated clock."""

    def __init__(self, settings: KafkaSettings, options: ChainOptions | None = None) -> None:
        options = options or ChainOptions()
        self.clock = SimulatedClock(options.days_per_second)
        run = uuid.uuid4().hex[:8]

        def store_path(agency: str) -> str:
            return ":memory:" if options.stores is None else str(options.stores / f"{agency}.db")

        def run_options(agency: str) -> ConnectorOptions:
            return ConnectorOptions(
                group_id=f"connector-{agency}-{run}",
                start_from="latest",
                confirm=options.confirm,
                on_action=options.on_action,
                tracer=options.tracer,
                signing=options.signing,
            )

        seed = options.seed
        self.police: PoliceConnector = police_connector(
            settings,
            PoliceStore(store_path("police")),
            self.clock,
            seed=seed,
            options=run_options("police"),
        )
        self.courts = courts_connector(
            settings,
            CourtsStore(store_path("courts")),
            self.clock,
            seed=seed,
            mix=options.mix,
            options=run_options("courts"),
        )
        self.koda = koda_connector(
            settings,
            KodaStore(store_path("koda")),
            self.clock,
            seed=seed,
            escape_rate=options.escape_rate,
            options=run_options("koda"),
        )

    @property
    def connectors(self) -> tuple[Connector, ...]:
        return (self.police, self.courts, self.koda)

    async def start(self, timeout: float = 60.0) -> None:
        """Start the three and return once each is assigned its partitions."""
        for connector in self.connectors:
            await connector.start()
        await asyncio.gather(*(connector.ready(timeout) for connector in self.connectors))
        self.clock.restart()  # the first case is registered as simulated time starts

    async def stop(self) -> None:
        for connector in self.connectors:
            await connector.stop()

    async def __aenter__(self) -> Chain:
        await self.start()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def register_cases(self, count: int) -> list[str]:
        """Police register `count` new cases, one a simulated day; their ids."""
        return self.police.register_cases(count)

    def progress(self) -> dict[str, CaseProgress]:
        """Every registered case's stage, as police see it."""
        return self.police.store.progress()

    def ended(self, case_ids: Collection[str]) -> bool:
        """True when every case of `case_ids` has reached its end state."""
        progress = self.progress()
        return all(case_id in progress and progress[case_id].ended for case_id in case_ids)

    def alerts_due(
        self, routes: Routes, decided: Sequence[str] | None = None
    ) -> set[tuple[str, str]]:
        """(triggering event id, victim id) of every alert the hub owes police.

        One per victim whose wish to be told of the trigger's category stood
        when the hub decided the trigger (asked before it, not withdrawn before
        it), per KODA event that triggers an alert (the routes' `victim_alerts`).
        A withdrawal and KODA's events travel on different topics, so only the
        hub's order of decisions says which came first: `decided` lists event
        ids in that order (the audit log's accepts). Without it, the order the
        agencies published in stands in, which is the hub's order whenever the
        events are far enough apart.
        """
        published = [
            row
            for store in (self.police.store, self.koda.store)
            for row in store.outbox()
            if row.published_at is not None
        ]
        position = {event_id: index for index, event_id in enumerate(decided or ())}
        undecided = len(position)  # never decided: still counted, so a lost alert shows
        published.sort(
            key=lambda row: (position.get(row.event.event_id, undecided), row.published_at or "")
        )
        return alerts_owed(routes, [row.event for row in published])

    def alerts_given(self) -> list[tuple[str, str]]:
        """(triggering event id, victim id) of every notification police recorded."""
        return [(n.trigger_event_id, n.victim_id) for n in self.police.store.notifications()]


def alerts_owed(routes: Routes, decided: Iterable[PlannedEvent]) -> set[tuple[str, str]]:
    """(trigger event id, victim id) of each alert the events call for, taken in the order
    the hub decided them: a victim's request starts their wish, a withdrawal ends it."""
    wishes: dict[tuple[str, str], frozenset[str]] = {}
    due = set()
    for event in decided:
        if event.type_name == NOTIFICATION_REQUESTED:
            wishes[event.case_id, event.data["victimId"]] = frozenset(event.data["events"])
        elif event.type_name == NOTIFICATION_WITHDRAWN:
            wishes.pop((event.case_id, event.data["victimId"]), None)
        for trigger in routes.alerts_for(event.type_name):
            if condition_holds(trigger, event.data):
                due |= {
                    (event.event_id, victim_id)
                    for (case_id, victim_id), categories in wishes.items()
                    if case_id == event.case_id and trigger.consent in categories
                }
    return due


class ChainThread:
    """A chain on an event loop of its own in a thread, for synchronous callers (`hub demo`).

    `call(fn)` runs `fn(chain)` on that loop and returns its result: the
    stores are used from that loop's thread only.
    """

    def __init__(self, settings: KafkaSettings, options: ChainOptions | None = None) -> None:
        self._settings = settings
        self._options = options
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="chain", daemon=True)
        self._chain: Chain | None = None

    def start(self, timeout: float = 60.0) -> None:
        self._thread.start()
        self._chain = self._run(self._started(timeout), timeout + 10)

    def call(self, fn: Callable[[Chain], T], timeout: float = 30.0) -> T:
        chain = self._chain
        if chain is None:
            raise RuntimeError("the chain is not started")

        async def on_loop() -> T:
            return fn(chain)

        return self._run(on_loop(), timeout)

    def stop(self, timeout: float = 30.0) -> None:
        if self._chain is not None:
            self._run(self._chain.stop(), timeout)
            self._chain = None
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout)
        self._loop.close()

    async def _started(self, timeout: float) -> Chain:
        chain = Chain(self._settings, self._options)
        await chain.start(timeout)
        return chain

    def _run(self, work: Coroutine[Any, Any, T], timeout: float) -> T:
        return asyncio.run_coroutine_threadsafe(work, self._loop).result(timeout)
