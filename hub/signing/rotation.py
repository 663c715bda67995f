"""Retiring a key: its end of validity, in its key set and beside its private part.

Rotation with an overlap is two steps: publish the next key (`hub keys
generate ORG --valid-from T1`), then give the old one its end (`hub keys
retire KID --at T2`, T2 after T1). An end can be brought forward (a key
thought compromised is retired now) but never pushed back: a retired key is
never made valid again.
"""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import orjson

from hub.signing.keys import (
    JWKS_SUFFIX,
    PRIVATE_SUFFIX,
    KeyFileError,
    PrivateKey,
    PublicKey,
    read_jwks,
    write_jwks,
)


def retire_key(jwks_dir: Path, private_dir: Path, kid: str, until: datetime) -> PublicKey:
    """Set `kid`'s `validUntil` to `until` in its key set (and its private file, if here)."""
    if until.utcoffset() is None:
        raise KeyFileError("the end of validity must name its offset (UTC)")
    for path in sorted(jwks_dir.glob(f"*{JWKS_SUFFIX}")):
        keys = read_jwks(path)
        found = next((key for key in keys if key.kid == kid), None)
        if found is None:
            continue
        retired = _retired(found, until)
        write_jwks(path, [retired if key.kid == kid else key for key in keys])
        _retire_private(private_dir / f"{kid}{PRIVATE_SUFFIX}", retired)
        return retired
    raise KeyFileError(f"kid {kid} is not in any key set in {jwks_dir}")


def _retired(key: PublicKey, until: datetime) -> PublicKey:
    if until <= key.valid_from:
        raise KeyFileError(f"kid {key.kid}: the end must come after its validFrom")
    if key.valid_until is not None and until > key.valid_until:
        raise KeyFileError(f"kid {key.kid}: its end can be brought forward, never pushed back")
    return replace(key, valid_until=until)


def _retire_private(path: Path, public: PublicKey) -> None:
    if not path.exists():
        return  # another organisation's key, or kept on another machine
    key = PrivateKey.from_jwk(orjson.loads(path.read_bytes()), str(path))
    text = orjson.dumps(PrivateKey(key.signing_key, public).to_jwk(), option=orjson.OPT_INDENT_2)
    descriptor = os.open(path, os.O_WRONLY | os.O_TRUNC)  # keeps its 0600 mode
    with os.fdopen(descriptor, "wb") as file:
        file.write(text + b"\n")
