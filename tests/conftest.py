"""Fixtures shared by every test folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.settings import KafkaSettings
from tests.brokers import SessionBroker, session_broker

REPOSITORY = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def kafka_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SessionBroker]:
    """One real Kafka broker for the whole test session."""
    with session_broker(tmp_path_factory.mktemp("kafka")) as broker:
        yield broker


@pytest.fixture(scope="session")
def kafka(kafka_broker: SessionBroker) -> KafkaSettings:
    """Client settings for the session's broker."""
    return KafkaSettings(bootstrap=kafka_broker.bootstrap)
