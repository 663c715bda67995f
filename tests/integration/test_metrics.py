"""The hub's metrics: events by type and outcome, waiting time, consumer lag, no identifiers."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from hub.kafka.metrics import meter_for
from hub.settings import KafkaSettings
from tests.events import Event, case_registered, new_case_id
from tests.integration.conftest import running_hub
from tests.kafka_io import collect, send

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def measured_hub(topics: KafkaSettings) -> Iterator[InMemoryMetricReader]:
    reader = InMemoryMetricReader()
    with running_hub(topics, meter=meter_for("justice-hub", reader)):
        yield reader


def _points(reader: InMemoryMetricReader, name: str) -> list[Any]:
    data = reader.get_metrics_data()
    return [
        point
        for resource in (data.resource_metrics if data else [])
        for scope in resource.scope_metrics
        for metric in scope.metrics
        if metric.name == name
        for point in metric.data.data_points
    ]


def test_events_are_counted_by_type_and_outcome_with_no_identifier_in_a_label(
    measured_hub: InMemoryMetricReader, topics: KafkaSettings
) -> None:
    case_id = new_case_id()
    good = case_registered(case_id)
    bad = Event(good.topic, good.key, b"{not json", good.headers, str(uuid.uuid4()))
    send(topics, [good, bad])
    collect(topics, "hub.dlq", {case_id.encode()}, 1)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # the counters are updated after the commit
        counted = {
            (p.attributes["event.type"], p.attributes["outcome"]): p.value
            for p in _points(measured_hub, "hub.events")
        }
        if counted.get(("no.justice.case.registered", "REJECT"), 0) >= 1:
            break
        time.sleep(0.1)

    assert counted[("no.justice.case.registered", "ACCEPT")] >= 1
    assert counted[("no.justice.case.registered", "REJECT")] >= 1
    labels = {str(v) for p in _points(measured_hub, "hub.events") for v in p.attributes.values()}
    assert case_id not in labels and good.event_id not in labels
    assert any(p.count >= 2 for p in _points(measured_hub, "hub.event.wait"))
    lag = _points(measured_hub, "hub.consumer.lag")
    assert {p.attributes["topic"] for p in lag} >= {"ingress.police"}
