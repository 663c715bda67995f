"""Signing keys for a test session: made fresh in a temporary directory, never the real ones.

`pytest_configure` (tests/conftest.py) makes them before collection and points
HUB_JWKS_DIR and HUB_SIGNING_KEYS_DIR at them, so the hub (in this process or
a `hub run` child), the connectors and the test helpers all use the same set.
Their keys are valid from the epoch, so specs that pass `now_ms=0` verify too.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from hub.settings import SigningSettings
from hub.signing import key_sets_for_a_run

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def environment(signing: SigningSettings) -> dict[str, str]:
    return {
        "HUB_JWKS_DIR": str(signing.jwks_dir),
        "HUB_SIGNING_KEYS_DIR": str(signing.private_dir),
    }


def make_session_keys(root: Path) -> SigningSettings:
    """One key per organisation (the agencies and the hub) under `root`."""
    return key_sets_for_a_run(root, valid_from=EPOCH)
