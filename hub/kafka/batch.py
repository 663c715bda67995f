"""Writing one transaction's records: egress and DLQ first, then the audit records.

An audit record names the partition and offset of every egress and DLQ record
it accounts for, and those exist only once the broker has acknowledged the
record. So a batch writes its records, flushes (still inside the transaction),
then seals each audit draft in order and writes it; the commit makes all of
them visible together, or none.

Every record on an `egress.*` topic is signed here with the hub's own key
(whatever the pipeline made of it: a delivery, an alert, a receipt), replacing
any `ce_jws` the sender's headers brought along: recipients verify what the
hub vouches for; the sender's own signature stays provable through the audit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from confluent_kafka import KafkaError, Message, Producer

from hub.pipeline.audit import AuditDraft, Output
from hub.pipeline.records import OutgoingRecord
from hub.signing import EventSigner, signed_headers

EGRESS_PREFIX = "egress."


class DeliveryFailedError(RuntimeError):
    """A record of the batch was not acknowledged: the transaction must be aborted."""


class BatchWriter:
    def __init__(
        self, producer: Producer, signer: EventSigner, flush_timeout: float = 30.0
    ) -> None:
        self._producer = producer
        self._hub_key = signer.key()  # chosen once a batch: a batch lasts milliseconds
        self._flush_timeout = flush_timeout
        self._drafts: list[AuditDraft] = []
        self._located: dict[int, tuple[int, int]] = {}
        self._failures: list[str] = []

    def add(self, outputs: Iterable[Output], trace: Mapping[str, bytes] | None = None) -> None:
        """Write `outputs`; `trace` headers (traceparent) replace the sender's on egress records."""
        outputs = list(outputs)
        drafts = [item for item in outputs if isinstance(item, AuditDraft)]
        named = {id(record) for draft in drafts for _, record in draft.names}
        for item in outputs:
            if isinstance(item, OutgoingRecord):
                traced = trace if trace and item.topic.startswith(EGRESS_PREFIX) else None
                self._produce(item, track=id(item) in named, trace=traced)
        self._drafts.extend(drafts)

    def finish(self) -> None:
        """Write the sealed audit records; the caller then commits the transaction."""
        if not self._drafts:
            return
        if self._producer.flush(self._flush_timeout) > 0 or self._failures:
            raise DeliveryFailedError("; ".join(self._failures) or "flush timed out")
        for draft in self._drafts:
            self._produce(draft.seal(self._locate), track=False)

    def _locate(self, record: OutgoingRecord) -> tuple[int, int]:
        return self._located[id(record)]

    def _produce(
        self, record: OutgoingRecord, *, track: bool, trace: Mapping[str, bytes] | None = None
    ) -> None:
        # -1: let the partitioner place it by key; the hub's state topics name p.
        partition = -1 if record.partition is None else record.partition
        headers: list[tuple[str, str | bytes | None]] = list(record.headers)
        if trace:
            headers = [(k, v) for k, v in headers if k not in trace] + list(trace.items())
        if record.topic.startswith(EGRESS_PREFIX):
            headers = [*signed_headers(self._hub_key, _as_bytes(headers), record.value or b"")]

        def delivered(error: KafkaError | None, message: Message) -> None:
            if error is not None:
                self._failures.append(f"{record.topic}: {error.str()}")
            else:
                self._located[id(record)] = (message.partition() or 0, message.offset() or 0)

        while True:
            try:
                self._producer.produce(
                    record.topic,
                    record.value,
                    record.key,
                    partition,
                    headers=headers,
                    on_delivery=delivered if track else None,
                )
                return
            except BufferError:  # the local queue is full: let librdkafka send some
                self._producer.poll(0.05)


def _as_bytes(headers: list[tuple[str, str | bytes | None]]) -> list[tuple[str, bytes | None]]:
    return [(k, v.encode() if isinstance(v, str) else v) for k, v in headers]
