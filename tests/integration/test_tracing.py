"""One case is one connected trace: the sender's span, the hub's, the recipient's next hop."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from hub.settings import KafkaSettings
from hub.telemetry import trace_headers
from tests.events import Event, case_registered, koda_event, new_case_id, notification_requested
from tests.integration.conftest import running_hub
from tests.kafka_io import collect, send

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def traced_hub(topics: KafkaSettings) -> Iterator[tuple[InMemorySpanExporter, TracerProvider]]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    with running_hub(topics, tracer=provider.get_tracer("tests")):
        yield exporter, provider


def _published_in_a_span(provider: TracerProvider, item: Event) -> tuple[Event, int, int]:
    """The event as a sender with tracing publishes it: traceparent of its publish span."""
    with provider.get_tracer("police").start_as_current_span(
        f"send {item.topic}", kind=SpanKind.PRODUCER
    ) as span:
        headers = [*item.headers, *trace_headers(span).items()]
        context = span.get_span_context()
    return (
        Event(item.topic, item.key, item.value, headers, item.event_id),
        context.trace_id,
        context.span_id,
    )


def test_the_hub_continues_the_senders_trace_into_every_delivery_and_victim_alert(
    traced_hub: tuple[InMemorySpanExporter, TracerProvider], topics: KafkaSettings
) -> None:
    exporter, provider = traced_hub
    case_id = new_case_id()
    send(topics, [case_registered(case_id), notification_requested(case_id, "V001", ["ESCAPE"])])
    collect(topics, "egress.courts", {case_id.encode()}, 1)
    escape, trace_id, publish_span = _published_in_a_span(
        provider, koda_event("escape.reported", "closed-prison-high-risk", case_id)
    )
    send(topics, [escape])

    delivered = collect(topics, "egress.police", {case_id.encode()}, 2)

    [hub_span] = [
        s
        for s in exporter.get_finished_spans()
        if s.attributes and s.attributes.get("messaging.message.id") == escape.event_id
    ]
    assert hub_span.context.trace_id == trace_id
    assert hub_span.parent is not None and hub_span.parent.span_id == publish_span
    assert hub_span.kind is SpanKind.CONSUMER
    assert hub_span.attributes["justice.hub.outcome"] == "ACCEPT"
    for record in delivered:  # the escape itself and the victim alert
        _, trace, parent, _ = (record.header("traceparent") or b"").decode().split("-")
        assert int(trace, 16) == trace_id
        assert int(parent, 16) == hub_span.context.span_id


def test_span_attributes_hold_identifiers_never_personal_data(
    traced_hub: tuple[InMemorySpanExporter, TracerProvider], topics: KafkaSettings
) -> None:
    exporter, _ = traced_hub
    case_id = new_case_id()
    registered = case_registered(case_id)
    send(topics, [registered])
    collect(topics, "egress.courts", {case_id.encode()}, 1)

    values = " ".join(
        str(v) for s in exporter.get_finished_spans() for v in (s.attributes or {}).values()
    )
    for personal in ("Haugen", "Jonas", "Ingrid", "14839411341", "05899611200", "+4791234567"):
        assert personal not in values
    assert case_id in values  # the case id is how operations find a case
