"""The trust store: every organisation's published keys, by kid, parsed once at start."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from hub.signing.keys import JWKS_SUFFIX, KeyFileError, PublicKey, jwks_document, read_jwks


class Keyring:
    """Public keys by kid, each belonging to one organisation."""

    def __init__(self, keys: Iterable[PublicKey]) -> None:
        by_kid: dict[str, PublicKey] = {}
        for key in keys:
            if key.kid in by_kid:
                raise KeyFileError(f"kid {key.kid} is published twice")
            by_kid[key.kid] = key
        self._keys: Mapping[str, PublicKey] = MappingProxyType(by_kid)

    def __len__(self) -> int:
        return len(self._keys)

    def get(self, kid: str) -> PublicKey | None:
        return self._keys.get(kid)

    @property
    def orgs(self) -> list[str]:
        return sorted({key.org for key in self._keys.values()})

    def keys_of(self, org: str) -> list[PublicKey]:
        return [key for key in self._keys.values() if key.org == org]

    def jwks_of(self, org: str) -> dict[str, Any]:
        """`org`'s key set as a JWKS document."""
        return jwks_document(self.keys_of(org))


def load_keyring(jwks_dir: Path) -> Keyring:
    """Every `<org>.jwks.json` in `jwks_dir`; an error names the file that is wrong."""
    if not jwks_dir.is_dir():
        raise KeyFileError(f"{jwks_dir}: no such directory of key sets (<org>{JWKS_SUFFIX})")
    return Keyring(
        key for path in sorted(jwks_dir.glob(f"*{JWKS_SUFFIX}")) for key in read_jwks(path)
    )
