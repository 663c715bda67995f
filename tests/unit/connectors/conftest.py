"""Fixtures for the connectors' unit specs: the hub on paper, a clock that stands still."""

from __future__ import annotations

import pytest

from connectors.common.clock import SimulatedClock
from hub.settings import KafkaSettings
from tests.unit.connectors.paper import PaperHub


@pytest.fixture(scope="session")
def hub_on_paper() -> PaperHub:
    return PaperHub()


@pytest.fixture
def clock() -> SimulatedClock:
    """Simulated time that moves only when a test says so (it never reads the real clock)."""
    return SimulatedClock(1.0, timer=lambda: 0.0)


@pytest.fixture
def nowhere() -> KafkaSettings:
    """Settings for connectors under FastStream's TestKafkaBroker: no broker is contacted."""
    return KafkaSettings(bootstrap="127.0.0.1:1")
