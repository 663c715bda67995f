"""`hub bench --json` as a user runs it: every figure present, nothing lost or duplicated.

Speeds are measurements, never pass or fail: this test asserts no speed at all
(docs/BENCHMARKS.md reads the figures).
"""

from __future__ import annotations

import json
from numbers import Real
from typing import Any

import pytest

from tests.brokers import SessionBroker
from tests.e2e.conftest import run_hub

pytestmark = pytest.mark.e2e

PERCENTILES = ("p50", "p95", "p99")


def _is_rate(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool) and value >= 0


@pytest.fixture(scope="module")
def figures(kafka_broker: SessionBroker) -> dict[str, Any]:
    result = run_hub(
        "bench",
        "--events",
        "2000",
        "--rate",
        "500",
        "--rounds",
        "1",  # the medians of more rounds are for docs/BENCHMARKS.md, not for this test
        "--latency-seconds",
        "2",
        "--json",
        env={"HUB_KAFKA_BOOTSTRAP": kafka_broker.bootstrap},
        timeout=420,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    loaded: dict[str, Any] = json.loads(result.stdout)
    return loaded


def test_bench_json_has_every_figure_of_the_issue_with_sane_types(
    figures: dict[str, Any],
) -> None:
    assert figures["events"] == 2000
    assert figures["rate"] == 500
    for name in ("raw_eps", "hub_eps", "replay_eps", "validate_us", "ratio"):
        assert _is_rate(figures[name]), (name, figures[name])
    assert figures["raw_eps"] > 0 and figures["hub_eps"] > 0
    assert figures["ratio"] == pytest.approx(figures["hub_eps"] / figures["raw_eps"], abs=1e-3)
    for name in PERCENTILES:
        assert _is_rate(figures["latency_ms"][name]), (name, figures["latency_ms"])
        assert _is_rate(figures["latency"]["raw_ms"][name]), (name, figures["latency"])
    latency = figures["latency_ms"]
    assert latency["p50"] <= latency["p95"] <= latency["p99"]
    assert figures["sign_us"] > 0 and figures["verify_us"] > 0  # every event is signed


def test_bench_loses_and_duplicates_nothing_through_the_pass_through_or_the_hub(
    figures: dict[str, Any],
) -> None:
    assert (figures["lost"], figures["duplicates"]) == (0, 0)
    raw, hub = figures["raw"], figures["hub"]
    assert (raw["lost"], raw["duplicates"], hub["lost"], hub["duplicates"]) == (0, 0, 0, 0)
    assert raw["records"] == figures["rounds"] * figures["events"]
    # On a shared broker the hub also drains what other tests left on ingress.*.
    assert hub["records"] >= raw["records"]
    assert hub["deliveries"] == hub["deliveries_due"] > 0
    assert hub["victim_alerts"] == hub["victim_alerts_due"]
    assert hub["unexpected_deliveries"] == 0
    assert figures["latency"]["missing"] == 0


def test_bench_names_the_broker_the_machine_and_the_versions(figures: dict[str, Any]) -> None:
    assert figures["broker"]["own"] is False  # HUB_KAFKA_BOOTSTRAP was set: the session's broker
    machine = figures["machine"]
    assert isinstance(machine["cores"], int) and machine["cores"] >= 1
    assert isinstance(machine["memory_bytes"], int) and machine["memory_bytes"] > 0
    versions = figures["versions"]
    for name in ("hub", "python", "librdkafka", "confluent-kafka"):
        assert isinstance(versions[name], str) and versions[name]
