"""Fixtures shared by every test folder."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.settings import KafkaSettings, SigningSettings
from tests.brokers import SessionBroker, session_broker
from tests.signing_keys import environment, make_session_keys

REPOSITORY = Path(__file__).resolve().parent.parent


def pytest_configure(config: pytest.Config) -> None:
    """The session's signing keys, made before collection (test modules build signed events)."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        # pytest-xdist gives its workers COLUMNS=80: the CLI's tables would fold as on an
        # 80-column terminal, where a plain run (no COLUMNS, output piped) has 160.
        os.environ.pop("COLUMNS", None)
        os.environ.pop("LINES", None)
    root = Path(tempfile.mkdtemp(prefix="hub-test-keys-"))
    keys = make_session_keys(root)
    config.stash[_KEYS] = keys
    config.stash[_SAVED_ENV] = {name: os.environ.get(name) for name in environment(keys)}
    os.environ.update(environment(keys))


def pytest_unconfigure(config: pytest.Config) -> None:
    keys = config.stash.get(_KEYS, None)
    if keys is None:
        return
    for name, value in config.stash[_SAVED_ENV].items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    shutil.rmtree(keys.jwks_dir.parent, ignore_errors=True)


_KEYS = pytest.StashKey[SigningSettings]()
_SAVED_ENV = pytest.StashKey[dict[str, str | None]]()


@pytest.fixture(scope="session")
def signing_keys(pytestconfig: pytest.Config) -> SigningSettings:
    """The session's signing keys (police, courts, koda, hub), also in HUB_*_DIR variables."""
    return pytestconfig.stash[_KEYS]


@pytest.fixture(scope="session")
def kafka_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SessionBroker]:
    """One real Kafka broker for the whole test session."""
    with session_broker(tmp_path_factory.mktemp("kafka")) as broker:
        yield broker


@pytest.fixture(scope="session")
def kafka(kafka_broker: SessionBroker) -> KafkaSettings:
    """Client settings for the session's broker."""
    return KafkaSettings(bootstrap=kafka_broker.bootstrap)
