"""A hub instance running in the test process against a real broker."""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from hub.app import build_processor
from hub.kafka.admin import ensure_topics
from hub.kafka.service import HubService
from hub.kafka.topology import topology
from hub.pipeline.decide import PipelineLimits
from hub.pipeline.process import PartitionProcessor
from hub.settings import KafkaSettings

TEST_PARK_TIMEOUT_MS = 4000


@contextlib.contextmanager
def running_hub(
    kafka: KafkaSettings, processor: PartitionProcessor | None = None, **options: Any
) -> Iterator[HubService]:
    """A HubService in a thread of this process, ready (partitions assigned) when yielded.

    `options` go to HubService (a tracer, a meter); it stops, and must stop, on exit.
    """
    service = HubService(
        kafka, processor or build_processor(), instance_id=f"test-{uuid.uuid4().hex[:8]}", **options
    )
    stop = threading.Event()
    thread = threading.Thread(target=service.run, args=(stop,), name="hub", daemon=True)
    thread.start()
    try:
        assert service.ready.wait(60), "the hub did not get its partitions within 60 s"
        yield service
    finally:
        stop.set()
        thread.join(60)
    assert not thread.is_alive(), "the hub did not stop within 60 s"


@pytest.fixture(scope="session")
def topics(kafka: KafkaSettings) -> KafkaSettings:
    """The hub's topology exists on the session's broker."""
    ensure_topics(kafka, topology())
    return kafka


@pytest.fixture(scope="module")
def hub(topics: KafkaSettings) -> Iterator[HubService]:
    """One hub instance for the tests of a module; each test uses its own case ids."""
    limits = PipelineLimits(park_timeout_ms=TEST_PARK_TIMEOUT_MS)
    with running_hub(topics, build_processor(limits=limits)) as service:
        yield service
