"""The hub's metrics: events by type and outcome, how long they took, consumer lag.

Labels are event types, outcomes, reasons and topic-partitions: a closed,
small set, never an identifier or a value from an event. Exported over OTLP
when OTEL_EXPORTER_OTLP_ENDPOINT is set, as JSON lines with HUB_METRICS_FILE.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from typing import IO

from opentelemetry.metrics import CallbackOptions, Meter, Observation
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import (
    ConsoleMetricExporter,
    MetricExporter,
    MetricReader,
    PeriodicExportingMetricReader,
)
from opentelemetry.sdk.resources import Resource

from hub.pipeline.audit import AuditDraft, Output
from hub.pipeline.operator import OPERATOR
from hub.pipeline.records import IngressRecord


def metric_reader_from_env(env: Mapping[str, str] | None = None) -> MetricReader | None:
    env = os.environ if env is None else env
    exporter: MetricExporter | None = None
    if env.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        # Imported only when asked for: it brings protobuf and requests along.
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import (  # noqa: PLC0415
            OTLPMetricExporter,
        )

        exporter = OTLPMetricExporter()
    elif path := env.get("HUB_METRICS_FILE"):
        stream: IO[str] = open(path, "a", encoding="utf-8")  # noqa: SIM115  (lives with the exporter)
        exporter = ConsoleMetricExporter(
            out=stream, formatter=lambda m: m.to_json(indent=None) + "\n"
        )
    return None if exporter is None else PeriodicExportingMetricReader(exporter, 10_000)


def meter_for(service: str, reader: MetricReader | None = None) -> Meter | None:
    reader = reader or metric_reader_from_env()
    if reader is None:
        return None
    provider = MeterProvider([reader], resource=Resource.create({"service.name": service}))
    return provider.get_meter("justice-hub")


class HubMetrics:
    """Counts what the hub decides and measures how long events waited for it."""

    def __init__(self, meter: Meter) -> None:
        self._events = meter.create_counter(
            "hub.events", unit="{event}", description="Ingress events by type and outcome"
        )
        self._wait = meter.create_histogram(
            "hub.event.wait", unit="ms", description="From the sender's write to the hub's decision"
        )
        self._batch = meter.create_histogram(
            "hub.batch.duration", unit="ms", description="One transaction, from consume to commit"
        )
        self._lag: dict[tuple[str, int], int] = {}
        meter.create_observable_gauge(
            "hub.consumer.lag",
            [self._observe_lag],
            unit="{record}",
            description="Records not yet consumed, per ingress topic-partition",
        )

    def decided(self, record: IngressRecord, outputs: Sequence[Output], now_ms: int) -> None:
        decision = next((o for o in reversed(outputs) if isinstance(o, AuditDraft)), None)
        if decision is not None and decision.action == OPERATOR:
            return  # an operator's action on a dead letter, not an event
        labels = {
            "event.type": (record.header("ce_type") or b"unknown").decode(errors="replace")[:80],
            "outcome": decision.action if decision else "NONE",
        }
        if decision is not None and (reason := decision.fields.get("reason")):
            labels["reason"] = reason
        self._events.add(1, labels)
        if record.timestamp_ms > 0:
            self._wait.record(max(0, now_ms - record.timestamp_ms))

    def batch_took(self, milliseconds: float) -> None:
        self._batch.record(milliseconds)

    def lag(self, lag: Mapping[tuple[str, int], int]) -> None:
        self._lag = dict(lag)

    def _observe_lag(self, options: CallbackOptions) -> Iterable[Observation]:
        return [
            Observation(value, {"topic": topic, "partition": str(partition)})
            for (topic, partition), value in self._lag.items()
        ]
