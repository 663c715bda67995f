"""One case is one connected trace: police publish → hub → courts → hub → KODA → hub → police."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from connectors.chain import Chain, ChainOptions
from hub.settings import KafkaSettings
from tests.integration.conftest import running_hub

pytestmark = pytest.mark.integration
SEED = 2032  # five cases with leaves and victims who asked (see test_connectors.py)


@pytest.fixture
def spans_and_hub(topics: KafkaSettings) -> Iterator[tuple[InMemorySpanExporter, TracerProvider]]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    with running_hub(topics, tracer=provider.get_tracer("hub")):
        yield exporter, provider


def _attribute(span: ReadableSpan, name: str) -> object:
    return (span.attributes or {}).get(name)


async def test_a_victim_alert_is_in_the_same_connected_trace_as_the_police_registration(
    spans_and_hub: tuple[InMemorySpanExporter, TracerProvider], topics: KafkaSettings
) -> None:
    exporter, provider = spans_and_hub
    options = ChainOptions(seed=SEED, days_per_second=200, tracer=provider.get_tracer("connectors"))
    async with Chain(topics, options) as chain:
        case_ids = chain.register_cases(5)
        deadline = time.monotonic() + 120
        while not chain.ended(case_ids) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        assert chain.alerts_given(), "no victim was alerted: choose another seed"
        trigger_id, _ = chain.alerts_given()[0]

    spans = exporter.get_finished_spans()
    by_id = {span.context.span_id: span for span in spans}
    [alert_consumed] = [
        s
        for s in spans
        if s.name == "process egress.police"
        and _attribute(s, "cloudevents.event_type") == "no.justice.victim.alert"
        and s.parent is not None
        and by_id.get(s.parent.span_id) is not None
        and _attribute(by_id[s.parent.span_id], "messaging.message.id") == trigger_id
    ]
    chain_of_spans = [alert_consumed]
    while (parent := chain_of_spans[-1].parent) is not None and parent.span_id in by_id:
        chain_of_spans.append(by_id[parent.span_id])
    hops = [(s.name, _attribute(s, "cloudevents.event_type")) for s in reversed(chain_of_spans)]

    assert {s.context.trace_id for s in chain_of_spans} == {alert_consumed.context.trace_id}
    assert hops[0] == ("send ingress.police", "no.justice.case.registered")
    names = [name for name, _ in hops]
    for hop in [
        "process ingress.police",
        "process egress.courts",
        "send ingress.courts",
        "process ingress.courts",
        "process egress.koda",
        "send ingress.koda",
        "process ingress.koda",
        "process egress.police",
    ]:
        assert hop in names, hops
    assert names.index("send ingress.koda") < names.index("process egress.police")
