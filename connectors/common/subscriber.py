"""Consuming `egress.<agency>`: one record at a time, committed after the store.

Ack policy, and why (see TRAPS.md on FastStream 0.7): the default ACK_FIRST
commits before the handler runs and loses what a crash interrupts; ACK and
REJECT_ON_ERROR commit even when the handler failed; NACK_ON_ERROR seeks back
at once and loops forever on a poison message. So the policy is MANUAL: the
offset is committed only after `Inbox.take` has committed its store
transaction. A failing reaction is recorded as FAILED there and committed
like any other event; only a failure of the store itself leaves the record
uncommitted, and it is read again after a pause. Reads are `read_committed`:
the hub writes egress records in transactions.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, Literal, cast

from aiokafka import ConsumerRecord, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.kafka.subscriber.usecase import LogicSubscriber
from faststream.message import StreamMessage
from faststream.middlewares import AckPolicy

from connectors.common.inbox import Inbox
from hub.kafka.topology import egress

STORE_RETRY_SECONDS = 1.0  # pause before reading a record again after the store failed
# How long a fetch may wait for data: short, so a delivery is read soon after the
# hub's transaction commits (aiokafka's default is half a second).
FETCH_MAX_WAIT_MS = 20

StartFrom = Literal["earliest", "latest"]


class Assignment(ConsumerRebalanceListener):  # type: ignore[misc]
    """Knows when the consumer group has given this connector its partitions."""

    def __init__(self) -> None:
        self.assigned = asyncio.Event()

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        self.assigned.clear()

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        self.assigned.set()


async def _raw_value(message: StreamMessage[Any]) -> bytes:
    """The record value as it came: the inbox parses it (and records it if it cannot)."""
    return message.body


def subscribe_egress(
    broker: KafkaBroker,
    inbox: Inbox,
    *,
    group_id: str,
    start_from: StartFrom,
    assignment: Assignment,
    after_commit: Callable[[], None],
) -> LogicSubscriber[Any]:
    """Subscribe `inbox` to its agency's egress topic; `after_commit` runs after each commit.

    `start_from` ("earliest" or "latest") applies when the group has no
    committed offset yet.
    """
    log = logging.getLogger(f"connectors.{inbox.agency}")
    subscriber = broker.subscriber(
        egress(inbox.agency),
        group_id=group_id,
        ack_policy=AckPolicy.MANUAL,
        isolation_level="read_committed",
        fetch_max_wait_ms=FETCH_MAX_WAIT_MS,
        auto_offset_reset=start_from,
        listener=assignment,
        decoder=_raw_value,
    )

    @subscriber
    async def on_delivery(value: bytes, message: KafkaMessage) -> None:
        record = cast("ConsumerRecord[bytes, bytes]", message.raw_message)
        position = (record.topic, record.partition, record.offset)
        try:
            inbox.take(record.headers, value, position)
        except Exception as error:
            log.error(
                "store failed at %s/%d@%d (%s); reading it again",
                *position,
                type(error).__name__,
            )
            await asyncio.sleep(STORE_RETRY_SECONDS)
            await message.nack()  # seek back to this record; nothing is committed
            return
        await message.ack()
        after_commit()

    return subscriber
