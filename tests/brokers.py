"""Where the test session's Kafka comes from (DESIGN.md section 10), in this order:

1. HUB_KAFKA_BOOTSTRAP, when set: a broker someone else runs;
2. testcontainers' Kafka, when a Docker engine answers (partners' CI);
3. otherwise the project's own local broker, on free ports in a fresh data
   directory, stopped when the session ends.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import docker  # comes with testcontainers
from testcontainers.community.kafka import KafkaContainer

from hub.localbroker import LocalBroker
from hub.localbroker.process import free_port
from hub.settings import LocalBrokerSettings

TESTCONTAINERS_IMAGE = "confluentinc/cp-kafka:8.0.0"


@dataclass(frozen=True)
class SessionBroker:
    bootstrap: str
    origin: str  # "environment", "testcontainers" or "local"
    local: LocalBroker | None = None


def _docker_answers() -> bool:
    try:
        docker.from_env().ping()
    except Exception:  # DockerException when no engine answers, ImportError without the SDK
        return False
    return True


def local_broker_settings(data_dir: Path) -> LocalBrokerSettings:
    env = {key: value for key, value in os.environ.items() if not key.startswith("HUB_BROKER_")}
    env["HUB_BROKER_CONTROLLER_PORT"] = str(free_port())
    return LocalBrokerSettings.from_env(env, port=free_port(), data_dir=data_dir)


@contextlib.contextmanager
def started_local_broker(data_dir: Path) -> Iterator[LocalBroker]:
    broker = LocalBroker(local_broker_settings(data_dir))
    broker.up(timeout=120)
    try:
        yield broker
    finally:
        broker.down()


@contextlib.contextmanager
def session_broker(data_dir: Path) -> Iterator[SessionBroker]:
    if bootstrap := os.environ.get("HUB_KAFKA_BOOTSTRAP"):
        yield SessionBroker(bootstrap, "environment")
    elif _docker_answers():
        container = (
            KafkaContainer(TESTCONTAINERS_IMAGE)
            .with_kraft()
            # One node: transactions need their state log at replication factor 1.
            .with_env("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1")
            .with_env("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1")
        )
        with container:
            yield SessionBroker(container.get_bootstrap_server(), "testcontainers")
    else:
        with started_local_broker(data_dir) as broker:
            yield SessionBroker(broker.settings.bootstrap, "local", broker)
