"""The key sets in the registry: `jwks/<org>` records in `hub.registry`, written at start.

The repository's `keys/` is where key sets are reviewed and changed; the hub
writes the key sets it trusts to the registry on start, so an auditor reading
the registry sees which keys the hub verified with. The registry is compacted:
the latest set per organisation stays. A retired key stays in its set (with
its `validUntil`) so old signatures remain verifiable.
"""

from __future__ import annotations

import orjson

from hub.kafka.topology import REGISTRY
from hub.pipeline.records import OutgoingRecord
from hub.signing.keyring import Keyring

JWKS_KEY_PREFIX = "jwks/"


def jwks_records(keyring: Keyring) -> list[OutgoingRecord]:
    """One `hub.registry` record per organisation: key `jwks/<org>`, value its JWKS."""
    return [
        OutgoingRecord(
            REGISTRY, f"{JWKS_KEY_PREFIX}{org}".encode(), orjson.dumps(keyring.jwks_of(org))
        )
        for org in keyring.orgs
    ]
