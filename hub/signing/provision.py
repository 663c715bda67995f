"""Key sets made on the spot: for a demo run, a benchmark or a test session, never kept."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from hub.kafka.topology import AGENCIES
from hub.settings import SigningSettings
from hub.signing.keys import HUB_ORG, generate_key, publish_key, write_private_key


def provision_keys(
    signing: SigningSettings, orgs: Iterable[str], valid_from: datetime | None = None
) -> None:
    """A new key for each of `orgs`: private parts to `signing.private_dir`, key sets to
    `signing.jwks_dir` (both usually a temporary directory)."""
    for org in orgs:
        key = generate_key(org, valid_from)
        write_private_key(signing.private_dir, key)
        publish_key(signing.jwks_dir, key.public)


def key_sets_for_a_run(root: Path, valid_from: datetime | None = None) -> SigningSettings:
    """A key for every organisation (the agencies and the hub) under `root`: `jwks/` and
    `private/`. What a demo run, a benchmark or a test session signs with."""
    signing = SigningSettings(root / "jwks", root / "private")
    provision_keys(signing, (*AGENCIES, HUB_ORG), valid_from)
    return signing
