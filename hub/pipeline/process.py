"""One partition's work: decide each record, write its outcome, settle parked events.

An event parked because its case was not registered yet is decided again as
soon as the case arrives (in the same transaction), or rejected with
REFERENCE_NOT_FOUND when its bounded wait runs out. Nothing is dropped.
"""

from __future__ import annotations

from hub.pipeline.audit import Output
from hub.pipeline.decide import Pipeline
from hub.pipeline.outcomes import Accepted, Rejected, Rejection
from hub.pipeline.publish import Publisher
from hub.pipeline.reasons import RejectReason
from hub.pipeline.records import IngressRecord
from hub.pipeline.state import PartitionState


class PartitionProcessor:
    """Applies the pipeline to the records of one partition and its state."""

    def __init__(self, pipeline: Pipeline, publisher: Publisher) -> None:
        self.pipeline = pipeline
        self.publisher = publisher

    def handle(self, record: IngressRecord, state: PartitionState, now_ms: int) -> list[Output]:
        outcome = self.pipeline.decide(record, state, now_ms)
        out = self.publisher.records_for(outcome, record, state, now_ms)
        if isinstance(outcome, Accepted) and outcome.registry_change is not None:
            for key in state.parked_for_case(outcome.registry_change.case_id):
                out.extend(self._retry(key, state, now_ms))
        return out

    def _retry(self, key: str, state: PartitionState, now_ms: int) -> list[Output]:
        parked = state.parked[key]
        # It was marked seen when parked; forget that so it is decided afresh.
        return [state.unpark(key), state.forget(key), *self.handle(parked.record, state, now_ms)]

    def expire(self, state: PartitionState, now_ms: int) -> list[Output]:
        """Reject every parked event whose wait has run out (REFERENCE_NOT_FOUND); repeat or
        escalate every victim alert whose wait for an acknowledgement has run out."""
        out: list[Output] = []
        for key in state.expired(now_ms):
            parked = state.parked[key]
            out += [state.unpark(key), state.forget(key)]
            waited = (now_ms - parked.record.timestamp_ms) // 1000
            rejection = Rejection(
                RejectReason.REFERENCE_NOT_FOUND, f"{parked.missing} (waited {waited} s)"
            )
            envelope = self.pipeline.envelope_of(parked.record)
            outcome = Rejected(rejection, envelope, parked.case_id)
            out.extend(self.publisher.records_for(outcome, parked.record, state, now_ms))
        for alert in state.due_alerts(now_ms):
            facts = state.registry.get(alert.case_id)
            attempt = self.pipeline.alerts.attempt(alert, facts, now_ms)
            out.extend(self.publisher.alerts.attempted(attempt, state, now_ms))
        return out
