"""`hub demo`: the main job, synthetic cases end to end through a real broker and hub."""

from __future__ import annotations

from typing import Any

import click
from rich.console import Console

from hub.catalogue.catalogue import default_schemas_dir, load_catalogue
from hub.cli.output import emit, error_console, fail, json_option
from hub.demo.report import render, summarise
from hub.demo.run import run_demo
from hub.kafka.admin import TopicSetupError
from hub.localbroker import BrokerError
from hub.pipeline.route import Routes, default_routes_path, load_routes


def _routes() -> Routes:
    return load_routes(default_routes_path(), load_catalogue(default_schemas_dir()))


@click.command()
@click.option("--cases", type=click.IntRange(1, 10_000), default=20, show_default=True)
@click.option(
    "--seed",
    type=int,
    default=2026,
    show_default=True,
    help="Fixes the cases' content; ids are new each run, so runs never collide.",
)
@click.option(
    "--timelines",
    type=int,
    default=3,
    show_default=True,
    help="How many case timelines to print (all are in --json).",
)
@json_option
def demo(cases: int, seed: int, timelines: int, as_json: bool) -> None:
    """Police, courts and KODA send synthetic cases through the hub; see what happened.

    Uses HUB_KAFKA_BOOTSTRAP when set, otherwise the local broker (started if
    needed, and left running: `hub broker down` stops it).
    """
    progress = error_console().print if not as_json else (lambda _: None)
    try:
        summary = summarise(run_demo(cases, seed, progress), _routes())
    except (BrokerError, TopicSetupError, RuntimeError, TimeoutError) as error:
        fail(str(error), as_json)

    def show(out: Console, data: dict[str, Any]) -> None:
        render(out, data, timelines)

    emit(summary, as_json, show)
    if not summary["all_as_expected"]:
        raise SystemExit(1)
