"""OpenTelemetry for the hub and the connectors: where spans go, and how context travels.

Context travels in the W3C `traceparent` / `tracestate` headers of every Kafka
record, so one case is one connected trace from the sender through the hub to
each recipient. Spans go to OTLP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, to
a file of JSON lines with `HUB_TRACES_FILE`, nowhere otherwise (and then the
hub does no tracing work at all). Span attributes carry identifiers (event
id, type, case id, topic, partition, offset), never personal data.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import IO, Any

from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from opentelemetry.trace import Span, Tracer, set_span_in_context
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from hub.pipeline.audit import AuditDraft, Output
from hub.pipeline.records import Headers, IngressRecord, OutgoingRecord

_PROPAGATOR = TraceContextTextMapPropagator()


def exporter_from_env(env: Mapping[str, str] | None = None) -> SpanExporter | None:
    """OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set; a JSON-lines file with HUB_TRACES_FILE."""
    env = os.environ if env is None else env
    if env.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        # Imported only when asked for: it brings protobuf and requests along.
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import (  # noqa: PLC0415
            OTLPSpanExporter,
        )

        return OTLPSpanExporter()  # reads the OTEL_EXPORTER_OTLP_* variables itself
    if path := env.get("HUB_TRACES_FILE"):
        stream: IO[str] = open(path, "a", encoding="utf-8")  # noqa: SIM115  (lives with the exporter)
        return ConsoleSpanExporter(
            out=stream, formatter=lambda span: span.to_json(indent=None) + "\n"
        )
    return None


def tracer_for(service: str, exporter: SpanExporter | None = None) -> Tracer | None:
    """A tracer for `service` exporting to `exporter` (default: from the environment), or None."""
    exporter = exporter or exporter_from_env()
    if exporter is None:
        return None
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider.get_tracer("justice-hub")


def context_from(headers: Headers) -> Context:
    """The sender's trace context from a record's `traceparent` / `tracestate` headers."""
    carrier = {
        name: value.decode(errors="replace")
        for name, value in headers
        if name in ("traceparent", "tracestate") and value is not None
    }
    return _PROPAGATOR.extract(carrier)


def trace_headers(span: Span) -> dict[str, bytes]:
    """`traceparent` (and `tracestate`) naming `span` as the parent of what follows."""
    carrier: dict[str, Any] = {}
    _PROPAGATOR.inject(carrier, context=set_span_in_context(span))
    return {name: str(value).encode() for name, value in carrier.items()}


def processing_attributes(record: IngressRecord, outputs: Sequence[Output]) -> dict[str, Any]:
    """Messaging semantic-convention attributes of one processed record, and the hub's
    decision. Identifiers only: never a value from the event's data."""
    attributes: dict[str, Any] = {
        "messaging.system": "kafka",
        "messaging.operation.type": "process",
        "messaging.destination.name": record.topic,
        "messaging.destination.partition.id": str(record.partition),
        "messaging.kafka.offset": record.offset,
    }
    for name, header in (
        ("messaging.message.id", "ce_id"),
        ("cloudevents.event_type", "ce_type"),
        ("justice.case_id", "ce_subject"),
    ):
        if (value := record.header(header)) is not None:
            attributes[name] = value.decode(errors="replace")[:128]
    decisions = [o for o in outputs if isinstance(o, AuditDraft)]
    if decisions:
        attributes["justice.hub.outcome"] = decisions[-1].action
        if reason := decisions[-1].fields.get("reason"):
            attributes["justice.hub.reject_reason"] = reason
    attributes["justice.hub.deliveries"] = sum(
        1 for o in outputs if isinstance(o, OutgoingRecord) and o.topic.startswith("egress.")
    )
    return attributes
