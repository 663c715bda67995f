"""One mock agency system: its broker, its store, its inbox and its outbox relay.

Each agency's `app.py` builds a `Connector` with its reactions. Start and stop
it from your own event loop (the demo and the tests run three in one
process), or run its FastStream application (`faststream_app`), which stops
on SIGTERM or Ctrl-C (`hub connector`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from faststream import FastStream
from opentelemetry.trace import Tracer

from connectors.common.actions import ActionSink, ignore
from connectors.common.broker import agency_broker
from connectors.common.clock import SimulatedClock
from connectors.common.inbox import Inbox, Reaction
from connectors.common.relay import OutboxRelay
from connectors.common.store import EventStore
from connectors.common.subscriber import Assignment, StartFrom, subscribe_egress
from hub.settings import KafkaSettings, SigningSettings
from hub.signing import load_keyring, load_signer


@dataclass(frozen=True, slots=True)
class ConnectorOptions:
    """How a connector runs (shared by the three agencies).

    `group_id` defaults to `connector-<agency>`: a restarted connector resumes
    where it committed. A fresh group starts from `start_from`: "earliest" so
    nothing delivered before the first start is missed; the demo and the tests
    use a group of their own per run and "latest", after waiting for `ready`.
    `confirm` sends the hub a `delivery.confirmed` for each delivery.
    `signing` says where the keys are (default: HUB_JWKS_DIR and
    HUB_SIGNING_KEYS_DIR): the agency signs what it publishes with its own key
    and verifies the hub's signature on everything it consumes.
    """

    group_id: str | None = None
    start_from: StartFrom = "earliest"
    confirm: bool = True
    on_action: ActionSink = ignore
    tracer: Tracer | None = None  # spans for every publish and every consume
    signing: SigningSettings | None = None


class Connector:
    """A running agency: consumes `egress.<agency>`, publishes to `ingress.<agency>`."""

    def __init__(
        self,
        agency: str,
        settings: KafkaSettings,
        store: EventStore,
        clock: SimulatedClock,
        reactions: Mapping[str, Reaction],
        *,
        options: ConnectorOptions | None = None,
    ) -> None:
        options = options or ConnectorOptions()
        self.agency = agency
        self.store = store
        self.clock = clock
        self.options = options
        self.broker = agency_broker(settings, agency)
        signing = options.signing or SigningSettings.from_env()
        self.relay = OutboxRelay(
            self.broker,
            agency,
            store,
            clock,
            signer=load_signer(signing.private_dir, agency),
            on_action=options.on_action,
            tracer=options.tracer,
        )
        self.inbox = Inbox(
            agency,
            store,
            reactions,
            clock,
            keyring=load_keyring(signing.jwks_dir),
            confirm=options.confirm,
            on_action=options.on_action,
            tracer=options.tracer,
        )
        self._assignment = Assignment()
        self.subscriber = subscribe_egress(
            self.broker,
            self.inbox,
            group_id=options.group_id or f"connector-{agency}",
            start_from=options.start_from,
            assignment=self._assignment,
            after_commit=self.relay.wake,
        )

    async def start(self) -> None:
        """Connect, join the consumer group and start publishing what is due."""
        await self.broker.start()
        await self.relay.start()

    async def ready(self, timeout: float = 60.0) -> None:
        """Wait until the partitions are assigned and their start offsets are known.

        From then on nothing delivered to `egress.<agency>` is skipped, even by a
        fresh group that starts from "latest".
        """
        async with asyncio.timeout(timeout):
            await self._assignment.assigned.wait()
            consumer = self.subscriber.consumer
            if consumer is not None:
                for partition in consumer.assignment():
                    await consumer.position(partition)

    async def stop(self) -> None:
        """Stop publishing, leave the group (committed offsets stay), keep the store open."""
        await self.relay.stop()
        await self.broker.stop()

    def faststream_app(self) -> FastStream:
        """The FastStream application: runs until SIGTERM or Ctrl-C."""
        return FastStream(
            self.broker,
            logger=logging.getLogger(f"connectors.{self.agency}.faststream"),
            after_startup=[self.relay.start],
            on_shutdown=[self.relay.stop],
        )

    def wake(self) -> None:
        """New events are in the outbox (planned outside a delivery): publish when due."""
        self.relay.wake()
