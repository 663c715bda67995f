"""`hub flow` and `hub parked` on the real broker: counts, lag, instances, parked events.

Other modules' events share the broker, so counts are compared before and after.
The first test runs without a hub (the module's own hub starts later), so what
is written meanwhile waits as lag.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest

from hub.app import build_processor
from hub.kafka.service import INGRESS_TOPICS, HubService
from hub.ops.flow import consumer_lag, flow_summary, hub_instances
from hub.ops.parked import parked_events
from hub.pipeline.decide import PipelineLimits
from hub.settings import KafkaSettings
from tests.e2e.conftest import run_hub
from tests.events import case_registered, event, example, judgment_final, new_case_id
from tests.integration.conftest import running_hub
from tests.kafka_io import collect, send

pytestmark = pytest.mark.integration
T = TypeVar("T")
# Long enough to look at a parked event before its wait runs out.
PARK_TIMEOUT_MS = 120_000

WHOLE_SESSION_MINUTES = 180


def wait_until(
    probe: Callable[[], T], done: Callable[[T], bool], what: str, timeout: float = 60
) -> T:
    """`probe()` again until `done` holds for its value; fails naming `what` and the last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if done(value):
            return value
        assert time.monotonic() < deadline, f"{what} within {timeout:.0f} s; last: {value}"
        time.sleep(0.2)


def lag_of(lag: list[dict[str, Any]]) -> dict[tuple[str, int], int]:
    return {(p["topic"], p["partition"]): p["lag"] for p in lag}


@pytest.fixture(scope="module")
def flow_hub(topics: KafkaSettings) -> Iterator[HubService]:
    """A hub that keeps parked events long enough to list them."""
    limits = PipelineLimits(park_timeout_ms=PARK_TIMEOUT_MS)
    with running_hub(topics, build_processor(limits=limits)) as service:
        yield service


def test_events_written_while_no_hub_runs_are_lag_and_none_is_left_once_it_caught_up(
    topics: KafkaSettings,
) -> None:
    # A hub another module killed stays a member until its session times out (10 s).
    wait_until(lambda: hub_instances(topics)["instances"], lambda found: not found, "no hub")
    case_id = new_case_id()
    before = lag_of(consumer_lag(topics))
    send(topics, [case_registered(case_id), judgment_final(case_id), judgment_final(case_id)])

    after = lag_of(consumer_lag(topics))

    grown = {
        place: after[place] - before[place] for place in after if after[place] != before[place]
    }
    # One case id: the same partition number of each ingress topic.
    [partition] = {partition for _, partition in grown}
    assert grown == {("ingress.police", partition): 1, ("ingress.courts", partition): 2}
    with running_hub(topics, build_processor()):
        caught_up = wait_until(
            lambda: consumer_lag(topics), lambda lag: all(p["lag"] == 0 for p in lag), "no lag"
        )
    # Ingress is written without transactions: a caught-up partition's committed
    # offset is its end, with no commit marker to discount.
    assert all(p["committed"] == p["end"] for p in caught_up if p["end"] > 0), caught_up
    assert {p["topic"] for p in caught_up} == set(INGRESS_TOPICS)


def test_with_no_hub_running_the_group_has_no_ready_instance(topics: KafkaSettings) -> None:
    instances = wait_until(
        lambda: hub_instances(topics), lambda g: not g["instances"], "the last hub gone"
    )

    assert instances["groupState"] in {"Empty", "Dead"}


def test_the_running_hub_is_ready_and_holds_every_ingress_partition(
    flow_hub: HubService, topics: KafkaSettings
) -> None:
    group = wait_until(
        lambda: hub_instances(topics), lambda g: g["groupState"] == "Stable", "a stable group"
    )

    [instance] = group["instances"]
    assert instance["ready"] is True
    partitions = {p.rsplit("/", 1)[0] for p in instance["partitions"]}
    assert partitions == set(INGRESS_TOPICS)
    assert len(instance["partitions"]) == len(INGRESS_TOPICS) * 6
    assert instance["memberId"] and instance["host"]


def test_flow_counts_each_outcome_under_its_agency_and_type(
    flow_hub: HubService, topics: KafkaSettings
) -> None:
    # A window longer than the whole suite: no earlier test's events leave it between the
    # two readings, so every count can only grow (with 5 minutes, the total shrank in CI).
    before = flow_summary(topics, minutes=WHOLE_SESSION_MINUTES)
    case_id, orphan_case = new_case_id(), new_case_id()
    registered = case_registered(case_id)
    broken = {
        **example("leave.granted", 1, "ordinary-with-reporting-duty", case_id),
        "leaveKind": "X",
    }
    send(
        topics,
        [
            registered,
            registered,  # a resend: a duplicate
            event("leave.granted", 1, "koda", broken),  # schema-invalid: rejected
            judgment_final(orphan_case),  # its case never comes: parked
        ],
    )
    collect(topics, "hub.dlq", {case_id.encode()}, 1)

    def grew(summary: dict[str, Any]) -> dict[tuple[str, str], dict[str, int]]:
        old = {(r["agency"], r["type"]): r for r in before["byType"]}
        zero = dict.fromkeys(summary["totals"], 0)
        return {
            (r["agency"], r["type"]): {
                k: r[k] - old.get((r["agency"], r["type"]), zero)[k] for k in zero
            }
            for r in summary["byType"]
        }

    after = wait_until(
        lambda: flow_summary(topics, minutes=WHOLE_SESSION_MINUTES),
        lambda s: grew(s).get(("courts", "judgment.final"), {}).get("parked", 0) >= 1,
        "the parked judgment counted",
    )

    growth = grew(after)
    registered_counts = growth[("police", "case.registered")]
    assert registered_counts["in"] >= 2
    assert registered_counts["delivered"] >= 1
    assert registered_counts["duplicates"] >= 1
    assert growth[("koda", "leave.granted")]["rejected"] >= 1
    assert growth[("courts", "judgment.final")]["in"] >= 1
    assert after["totals"]["in"] - before["totals"]["in"] >= 4
    recent = after["perMinute"][-2:]
    assert sum(m["in"] for m in recent) >= 4
    assert sum(m["rejected"] for m in recent) >= 1
    assert after["totalLag"] == sum(p["lag"] for p in after["lag"])
    assert after["groupState"] == "Stable" and after["instances"][0]["ready"]
    send(topics, [case_registered(orphan_case)])  # leave nothing parked behind


def test_a_parked_event_is_listed_until_its_case_arrives(
    flow_hub: HubService, topics: KafkaSettings
) -> None:
    case_id = new_case_id()
    judgment = judgment_final(case_id)
    send(topics, [judgment])

    def listed() -> list[dict[str, Any]]:
        return [p for p in parked_events(topics) if p["eventId"] == judgment.event_id]

    [parked] = wait_until(listed, bool, "the judgment listed as parked")

    assert (parked["caseId"], parked["type"], parked["agency"]) == (
        case_id,
        "judgment.final",
        "courts",
    )
    assert parked["missingReference"] == {
        "field": "/caseId",
        "awaitedType": "no.justice.case.registered",
    }
    assert parked["parkedUntilMs"] - parked["parkedSinceMs"] == pytest.approx(
        PARK_TIMEOUT_MS, abs=2000
    )
    assert parked["ageSeconds"] >= 0
    assert parked["ingress"].startswith("ingress.courts/")

    send(topics, [case_registered(case_id)])

    wait_until(listed, lambda found: not found, "the judgment gone from the parked list")


def test_hub_flow_and_hub_parked_print_json(flow_hub: HubService, topics: KafkaSettings) -> None:
    env = {"HUB_KAFKA_BOOTSTRAP": topics.bootstrap}
    case_id = new_case_id()
    judgment = judgment_final(case_id)
    send(topics, [judgment])
    wait_until(
        lambda: [p for p in parked_events(topics) if p["eventId"] == judgment.event_id],
        bool,
        "the judgment parked",
    )

    parked = run_hub("parked", "--json", env=env)
    flow = run_hub("flow", "--minutes", "5", "--json", env=env)
    readable = run_hub("flow", env=env)

    assert parked.returncode == 0, parked.stderr
    assert judgment.event_id in [p["eventId"] for p in json.loads(parked.stdout)["parked"]]
    assert flow.returncode == 0, flow.stderr
    summary = json.loads(flow.stdout)
    assert summary["windowMinutes"] == 5
    assert summary["groupState"] == "Stable"
    assert any(r["agency"] == "courts" and r["parked"] >= 1 for r in summary["byAgency"])
    assert readable.returncode == 0, readable.stderr
    assert "By agency" in readable.stdout and "Consumer lag" in readable.stdout
    send(topics, [case_registered(case_id)])  # leave nothing parked behind
