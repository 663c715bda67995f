"""`hub connector police | courts | koda`: one mock agency, until SIGTERM or Ctrl-C."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console

from connectors.common.actions import Action
from connectors.common.clock import DEFAULT_DAYS_PER_SECOND, SimulatedClock
from connectors.common.connector import Connector, ConnectorOptions
from connectors.common.store import EventStore
from connectors.common.subscriber import StartFrom
from connectors.courts.app import courts_connector
from connectors.courts.store import CourtsStore
from connectors.koda.app import koda_connector
from connectors.koda.store import KodaStore
from connectors.police.app import police_connector
from connectors.police.store import PoliceStore
from hub.cli.output import emit, fail, json_option, table
from hub.kafka.topology import AGENCIES, egress
from hub.settings import KafkaSettings

DEFAULT_CASES = 5
DEFAULT_UNDELIVERED_AFTER_S = 300.0  # longer than the hub's park timeout and a connector's lag
F = TypeVar("F", bound=Callable[..., Any])


@click.group()
def connector() -> None:
    """Run one mock agency: act on what the hub delivers, publish what it does.

    Prints a line per action (ids, types and codes, never personal data).
    Connection settings come from HUB_KAFKA_BOOTSTRAP and the other HUB_KAFKA_*
    variables; the hub (`hub run`) and the topics (`hub topics init`) must be up.
    """


def _agency_options(command: F) -> F:
    """The options every agency's connector takes."""
    options = [
        click.option(
            "--seed", type=int, default=2026, show_default=True, help="Fixes what it decides."
        ),
        click.option(
            "--speed",
            "days_per_second",
            type=click.FloatRange(min=0, min_open=True),
            default=DEFAULT_DAYS_PER_SECOND,
            show_default=True,
            help="Simulated days per real second.",
        ),
        click.option(
            "--store",
            type=click.Path(dir_okay=False, path_type=Path),
            default=None,
            help="Its SQLite file [~/.local/state/justice-hub/connectors/AGENCY.db].",
        ),
        click.option("--group-id", default=None, help="Its consumer group [connector-AGENCY]."),
        click.option(
            "--from",
            "start_from",
            type=click.Choice(["earliest", "latest"]),
            default="earliest",
            show_default=True,
            help="Where a new consumer group starts reading egress.AGENCY.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@connector.command()
@_agency_options
@click.option(
    "--cases",
    type=click.IntRange(0, 10_000),
    default=DEFAULT_CASES,
    show_default=True,
    help="Cases to register at start, one a simulated day.",
)
def police(cases: int, **options: Any) -> None:
    """Police: register synthetic cases, notify victims, follow each case to its end."""

    def build(
        settings: KafkaSettings, path: Path, clock: SimulatedClock, seed: int, run: ConnectorOptions
    ) -> Connector:
        built = police_connector(settings, PoliceStore(path), clock, seed=seed, options=run)
        click.echo(f"police: {len(built.register_cases(cases))} cases to register", err=True)
        return built

    _run("police", build, **options)


@connector.command()
@_agency_options
def courts(**options: Any) -> None:
    """Courts: try the registered cases, make convictions final."""
    _run(
        "courts",
        lambda settings, path, clock, seed, run: courts_connector(
            settings, CourtsStore(path), clock, seed=seed, options=run
        ),
        **options,
    )


@connector.command()
@_agency_options
def koda(**options: Any) -> None:
    """KODA: admit those sentenced to prison, grant leave, release."""
    _run(
        "koda",
        lambda settings, path, clock, seed, run: koda_connector(
            settings, KodaStore(path), clock, seed=seed, options=run
        ),
        **options,
    )


Build = Callable[[KafkaSettings, Path, SimulatedClock, int, ConnectorOptions], Connector]


def _run(
    agency: str,
    build: Build,
    *,
    seed: int,
    days_per_second: float,
    store: Path | None,
    group_id: str | None,
    start_from: StartFrom,
) -> None:
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    settings = KafkaSettings.from_env()
    path = store or _default_store(agency)
    path.parent.mkdir(parents=True, exist_ok=True)
    options = ConnectorOptions(group_id=group_id, start_from=start_from, on_action=_show)
    click.echo(
        f"{agency}: reading {egress(agency)} from {settings.bootstrap} as "
        f"{group_id or f'connector-{agency}'}, store {path}, "
        f"{days_per_second:g} simulated days a second; Ctrl-C stops",
        err=True,
    )
    running = build(settings, path, SimulatedClock(days_per_second), seed, options)
    try:
        asyncio.run(running.faststream_app().run(log_level=logging.DEBUG))
    finally:
        running.store.close()


def _default_store(agency: str) -> Path:
    state = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(state) / "justice-hub" / "connectors" / f"{agency}.db"


def _show(action: Action) -> None:
    click.echo(action.line())


@connector.command()
@click.argument("agency", type=click.Choice(AGENCIES))
@click.option(
    "--store",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="The agency's SQLite file [~/.local/state/justice-hub/connectors/AGENCY.db].",
)
@click.option(
    "--older-than",
    "seconds",
    type=click.FloatRange(min=0),
    default=DEFAULT_UNDELIVERED_AFTER_S,
    show_default=True,
    help="Only events published at least this many seconds ago.",
)
@json_option
def undelivered(agency: str, store: Path | None, seconds: float, as_json: bool) -> None:
    """The agency's events that have not reached every recipient, by the hub's receipts:
    no receipt yet, PENDING, REJECTED (with who must act), or awaiting a recipient."""
    path = store or _default_store(agency)
    if not path.exists():
        fail(f"no store at {path}: run `hub connector {agency}` first, or give --store", as_json)
    events = EventStore(path)
    try:
        cutoff = datetime.now(UTC) - timedelta(seconds=seconds)
        found = [asdict(item) for item in events.undelivered(published_before=cutoff)]
    finally:
        events.close()
    data = {"agency": agency, "olderThanSeconds": seconds, "events": found}

    def render(out: Console, data: dict[str, Any]) -> None:
        rows = [
            (
                e["published_at"][:19],
                e["case_id"],
                e["type_name"],
                e["event_id"],
                e["state"],
                ", ".join(e["awaiting"]) or e["action_by"] or "",
            )
            for e in data["events"]
        ]
        columns = ["published (UTC)", "case", "type", "event", "state", "awaiting / who acts"]
        title = f"{agency}: {len(rows)} events not delivered to everyone after {seconds:g} s"
        out.print(table(title, columns, rows))

    emit(data, as_json, render)
