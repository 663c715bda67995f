"""A run's figures as one plain document: the names `hub bench --json` prints.

Top level (the issue's names): `events` (per round), `raw_eps` and `hub_eps`
(medians over the rounds), `ratio` (hub over raw), `latency_ms` {p50, p95,
p99, max} through the hub at `rate` events/s, `replay_eps` (`hub replay`),
`validate_us`, `sign_us` and `verify_us` (per event, Ed25519 JWS), `lost` and
`duplicates` (pass-through and hub together). Below them each phase in detail,
the broker, the machine and the versions.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hub.bench.accounting import Tally
from hub.bench.harness import BenchBroker
from hub.bench.latency import Latency
from hub.bench.machine import machine, versions
from hub.bench.phases import Drain, latency_warmup
from hub.bench.replay import Replay


@dataclass(frozen=True, slots=True)
class Figures:
    options: tuple[int, int, int, int]  # events per round, rounds, rate, latency events
    raw: list[Drain]
    hub: list[Drain]
    latency: Latency
    raw_latency: Latency
    replay: tuple[Replay, Replay, Replay]  # hub replay, the client's bound, read_topic
    validate_us: float | None
    signatures: dict[str, float]  # sign_us, verify_us, verify_two_threads_us
    raw_tally: Tally
    hub_tally: Tally
    broker: BenchBroker
    load: tuple[float | None, float | None]  # 1-minute load average before and after
    profile: Path | None


def _median(drains: list[Drain]) -> int:
    return round(statistics.median(d.eps for d in drains)) if drains else 0


def summary(figures: Figures) -> dict[str, Any]:
    events, rounds, rate, latency_events = figures.options
    raw_eps, hub_eps = _median(figures.raw), _median(figures.hub)
    replay, bound, tools = figures.replay
    return {
        "events": events,
        "rounds": rounds,
        "raw_eps": raw_eps,
        "hub_eps": hub_eps,
        "ratio": round(hub_eps / raw_eps, 3) if raw_eps else None,
        "latency_ms": figures.latency.as_dict(),
        "rate": rate,
        "replay_eps": round(replay.eps),
        "validate_us": figures.validate_us,
        "sign_us": figures.signatures["sign_us"],
        "verify_us": figures.signatures["verify_us"],
        "lost": figures.raw_tally.lost + figures.hub_tally.lost,
        "duplicates": figures.raw_tally.duplicates + figures.hub_tally.duplicates,
        "raw": {**_rounds(figures.raw), **figures.raw_tally.as_dict()},
        "hub": {
            **_rounds(figures.hub),
            "gc": [d.gc for d in figures.hub],
            **figures.hub_tally.as_dict(),
        },
        "latency": {
            "events": latency_events,
            "warmup_s": round(latency_warmup(latency_events, rate), 2),
            "samples": figures.latency.samples,
            "missing": figures.latency.missing,
            "raw_ms": figures.raw_latency.as_dict(),
            "raw_samples": figures.raw_latency.samples,
        },
        "replay": {
            "records": replay.records,
            "seconds": round(replay.seconds, 3),
            "batch_reader_eps": round(bound.eps),
            "read_topic_eps": round(tools.eps),
            "read_topic_records": tools.records,
        },
        "signatures": figures.signatures,
        "broker": figures.broker.as_dict(),
        "machine": {
            **machine(),
            "load_average": {"before": figures.load[0], "after": figures.load[1]},
        },
        "versions": versions(figures.broker.kafka_version),
        "profile": None if figures.profile is None else str(figures.profile),
    }


def _rounds(drains: list[Drain]) -> dict[str, Any]:
    return {
        "eps": _median(drains),
        "eps_rounds": [round(d.eps) for d in drains],
        "seconds_rounds": [round(d.seconds, 3) for d in drains],
        "records": sum(d.records for d in drains),
    }
