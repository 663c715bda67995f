"""A hub instance running in the test process against the session's real broker."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import pytest

from hub.app import build_processor
from hub.kafka.admin import ensure_topics
from hub.kafka.service import HubService
from hub.kafka.topology import topology
from hub.pipeline.decide import PipelineLimits
from hub.settings import KafkaSettings

TEST_PARK_TIMEOUT_MS = 4000


@pytest.fixture(scope="session")
def topics(kafka: KafkaSettings) -> KafkaSettings:
    """The hub's topology exists on the session's broker."""
    ensure_topics(kafka, topology())
    return kafka


@pytest.fixture(scope="module")
def hub(topics: KafkaSettings) -> Iterator[HubService]:
    """One hub instance for the tests of a module; each test uses its own case ids."""
    processor = build_processor(limits=PipelineLimits(park_timeout_ms=TEST_PARK_TIMEOUT_MS))
    service = HubService(topics, processor, instance_id=f"test-{uuid.uuid4().hex[:8]}")
    stop = threading.Event()
    thread = threading.Thread(target=service.run, args=(stop,), name="hub", daemon=True)
    thread.start()
    assert service.ready.wait(60), "the hub did not get its partitions within 60 s"
    yield service
    stop.set()
    thread.join(60)
    assert not thread.is_alive(), "the hub did not stop within 60 s"
