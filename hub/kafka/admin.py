"""Creating topics and waiting until their partitions have leaders.

confluent-kafka's AdminClient, not aiokafka's: it also manages ACLs, which the
secured broker needs (TRAPS.md), so one admin client serves both.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]

from hub.kafka.topology import TopicSpec
from hub.settings import KafkaSettings

_TOPIC_ALREADY_EXISTS = 36  # Kafka error code TOPIC_ALREADY_EXISTS


@dataclass(frozen=True, slots=True)
class TopicOutcome:
    name: str
    partitions: int
    created: bool  # False: it existed already


class TopicSetupError(RuntimeError):
    """A topic could not be created or did not get leaders in time."""


def admin_client(settings: KafkaSettings) -> AdminClient:
    config: dict[str, Any] = {**settings.librdkafka_options()}
    return AdminClient(config)


def ensure_topics(
    settings: KafkaSettings, specs: Iterable[TopicSpec], timeout: float = 30.0
) -> list[TopicOutcome]:
    """Create the topics that do not exist yet; wait until every partition has a leader."""
    specs = list(specs)
    admin = admin_client(settings)
    futures = admin.create_topics(
        [NewTopic(s.name, s.partitions, 1, config=dict(s.config)) for s in specs],
        request_timeout=timeout,
    )
    outcomes = []
    for spec in specs:
        try:
            futures[spec.name].result(timeout)
            created = True
        except KafkaException as error:
            if error.args[0].code() != _TOPIC_ALREADY_EXISTS:
                raise TopicSetupError(
                    f"could not create {spec.name}: {error.args[0].str()}"
                ) from error
            created = False
        outcomes.append(TopicOutcome(spec.name, spec.partitions, created))
    wait_for_leaders(admin, [s.name for s in specs], timeout)
    if problems := partition_mismatches(admin, specs):
        raise TopicSetupError(
            "existing topics do not match the topology: "
            + "; ".join(problems)
            + " (recreate them; for the local broker `hub broker down --purge`)"
        )
    return outcomes


def partition_mismatches(admin: AdminClient, specs: Iterable[TopicSpec]) -> list[str]:
    """Topics whose partition count differs from the spec: the hub's state follows the
    ingress partition number, so every co-partitioned topic must have the same count."""
    topics = admin.list_topics(timeout=30).topics
    return [
        f"{spec.name} has {len(topics[spec.name].partitions)} partitions, not {spec.partitions}"
        for spec in specs
        if spec.name in topics and len(topics[spec.name].partitions) != spec.partitions
    ]


def wait_for_leaders(admin: AdminClient, topics: list[str], timeout: float) -> None:
    """Wait until every partition has a leader (before that, the first sends fail)."""
    deadline = time.monotonic() + timeout
    while True:
        metadata = admin.list_topics(timeout=timeout)
        missing = [
            name
            for name in topics
            if name not in metadata.topics
            or metadata.topics[name].error is not None
            or any(p.leader < 0 for p in metadata.topics[name].partitions.values())
        ]
        if not missing:
            return
        if time.monotonic() > deadline:
            raise TopicSetupError(f"no partition leaders after {timeout:.0f} s for: {missing}")
        time.sleep(0.1)
