"""`hub bench`: throughput, latency and replay rate, next to a raw Kafka pass-through."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.console import Console

from hub.bench import BenchOptions, run_bench
from hub.cli.output import emit, error_console, fail, json_option, table
from hub.kafka.admin import TopicSetupError
from hub.localbroker import BrokerError


@click.command()
@click.option(
    "--events",
    type=click.IntRange(100, 5_000_000),
    default=20_000,
    show_default=True,
    help="Events per throughput round (the pass-through and the hub drain the same ones).",
)
@click.option(
    "--rate",
    type=click.IntRange(1, 100_000),
    default=1_000,
    show_default=True,
    help="Offered events/s in the latency phases.",
)
@click.option(
    "--latency-seconds",
    type=click.FloatRange(0.5, 3600),
    default=10.0,
    show_default=True,
    help="Length of each latency phase (at most --events events are offered).",
)
@click.option(
    "--rounds",
    type=click.IntRange(1, 20),
    default=3,
    show_default=True,
    help="Throughput rounds; raw_eps and hub_eps are their medians.",
)
@click.option(
    "--profile",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write cProfile stats of the hub's drains here (it slows the hub down).",
)
@json_option
def bench(
    *,
    events: int,
    rate: int,
    latency_seconds: float,
    rounds: int,
    profile: Path | None,
    as_json: bool,
) -> None:
    """Measure the hub against a raw pass-through with the same Kafka clients.

    Starts a throwaway broker of its own on free ports (stopped and deleted at
    the end); with HUB_KAFKA_BOOTSTRAP set it uses that cluster instead. The
    figures are measurements, never pass or fail: docs/BENCHMARKS.md reads them.
    """
    progress = error_console().print if not as_json else (lambda _: None)
    options = BenchOptions(events, rate, latency_seconds, rounds, profile)
    try:
        figures = run_bench(options, progress)
    except (BrokerError, TopicSetupError, RuntimeError, TimeoutError) as error:
        fail(str(error), as_json)
    emit(figures, as_json, render)


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}/s"


def _percentiles(latency: dict[str, Any]) -> str:
    return f"p50 {latency['p50']} · p95 {latency['p95']} · p99 {latency['p99']} ms"


def render(out: Console, data: dict[str, Any]) -> None:
    raw, hub, latency, replay = data["raw"], data["hub"], data["latency"], data["replay"]
    broker, machine = data["broker"], data["machine"]
    where = (
        f"throwaway Kafka {broker['kafka_version']} on {broker['bootstrap']}"
        if broker["own"]
        else f"{broker['bootstrap']} (HUB_KAFKA_BOOTSTRAP: shared, see docs/BENCHMARKS.md)"
    )
    gc_seconds = sum(g["seconds"] for g in hub["gc"])
    rows = [
        ("raw pass-through", _rate(data["raw_eps"]), f"rounds {raw['eps_rounds']}"),
        ("hub pipeline", _rate(data["hub_eps"]), f"rounds {hub['eps_rounds']}"),
        ("ratio hub/raw", data["ratio"], f"hub GC pauses {gc_seconds:.2f} s in all"),
        (f"latency at {data['rate']}/s, hub", _percentiles(data["latency_ms"]), ""),
        (
            f"latency at {data['rate']}/s, raw",
            _percentiles(latency["raw_ms"]),
            f"after {latency['warmup_s']} s warm-up",
        ),
        (
            "hub replay",
            _rate(data["replay_eps"]),
            f"{replay['records']} records; one batch consumer: "
            f"{_rate(replay['batch_reader_eps'])}; read_topic: {_rate(replay['read_topic_eps'])}",
        ),
        ("schema validation", f"{data['validate_us']} µs/event", "jsonschema-rs, the mix"),
        (
            "signatures",
            f"sign {data['sign_us']} · verify {data['verify_us']} µs/event",
            f"Ed25519 JWS (PyNaCl); verify on two threads "
            f"{data['signatures']['verify_two_threads_us']} µs/event",
        ),
        (
            "lost · duplicates",
            f"{data['lost']} · {data['duplicates']}",
            f"raw {raw['lost']} · {raw['duplicates']}, hub {hub['lost']} · {hub['duplicates']}",
        ),
        ("broker", where, ""),
        (
            "machine",
            f"{machine['cores']} cores, {machine['memory_gib']} GiB",
            f"load {machine['load_average']['before']} → {machine['load_average']['after']}",
        ),
    ]
    title = f"hub bench: {data['rounds']} × {data['events']} events"
    out.print(table(title, ["", "figure", "detail"], rows))
    versions = ", ".join(f"{name} {version}" for name, version in data["versions"].items())
    out.print(f"versions: {versions}")
    if data["profile"]:
        out.print(f"profile: {data['profile']} (python -m pstats {data['profile']})")
