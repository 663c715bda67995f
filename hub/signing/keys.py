"""Ed25519 signing keys as JWKs (RFC 8037: kty OKP, crv Ed25519), each with a validity period.

A public key is published in its organisation's key set, `<org>.jwks.json`;
its private part is written alone to `<kid>.private.jwk` (mode 0600) in a
directory outside git. Besides the standard members, each key names its
validity: `validFrom` and, once it is being retired, `validUntil` (RFC 3339,
UTC). Keys rotate with an overlap: the next key is valid before the old one
ends, so events signed by either verify while both are in force.
"""

from __future__ import annotations

import base64
import os
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from nacl.signing import SigningKey, VerifyKey

ALGORITHM = "EdDSA"
PRIVATE_SUFFIX = ".private.jwk"
JWKS_SUFFIX = ".jwks.json"
ORG = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")  # as the last segment of ce_source
HUB_ORG = "hub"  # the hub's own key signs everything it publishes on egress.*


class KeyFileError(ValueError):
    """A key file or key set is malformed; the message names the file, never key material."""


def b64url(raw: bytes) -> bytes:
    """Base64url without padding (RFC 7515, section 2)."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=")


def b64url_decode(text: str | bytes) -> bytes:
    """The bytes of unpadded base64url; raises ValueError (binascii.Error) when malformed."""
    raw = text.encode() if isinstance(text, str) else text
    return base64.urlsafe_b64decode(raw + b"=" * (-len(raw) % 4))


def _instant(text: str | None, where: str) -> datetime | None:
    if text is None:
        return None
    try:
        when = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise KeyFileError(f"{where}: validity is not an RFC 3339 time") from None
    if when.utcoffset() is None:
        raise KeyFileError(f"{where}: validity must name its offset (UTC)")
    return when


def _text(when: datetime | None) -> str | None:
    return None if when is None else when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def millis(when: datetime) -> int:
    return int(when.timestamp() * 1000)


@dataclass(frozen=True, slots=True)
class PublicKey:
    """One published verification key of `org`, in force from `valid_from` until `valid_until`."""

    kid: str
    org: str
    verify_key: VerifyKey
    valid_from: datetime
    valid_until: datetime | None = None

    def valid_at(self, now_ms: int) -> bool:
        if now_ms < millis(self.valid_from):
            return False
        return self.valid_until is None or now_ms < millis(self.valid_until)

    def to_jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = {
            "kty": "OKP",
            "crv": "Ed25519",
            "x": b64url(bytes(self.verify_key)).decode(),
            "kid": self.kid,
            "use": "sig",
            "alg": ALGORITHM,
            "validFrom": _text(self.valid_from),
        }
        if self.valid_until is not None:
            jwk["validUntil"] = _text(self.valid_until)
        return jwk

    @classmethod
    def from_jwk(cls, jwk: Mapping[str, Any], org: str, where: str) -> PublicKey:
        if not isinstance(jwk, Mapping):
            raise KeyFileError(f"{where}: a key is not a JSON object")
        kid = jwk.get("kid")
        if not isinstance(kid, str) or not kid:
            raise KeyFileError(f"{where}: a key has no kid")
        where = f"{where} (kid {kid})"
        if (jwk.get("kty"), jwk.get("crv")) != ("OKP", "Ed25519"):
            raise KeyFileError(f"{where}: only Ed25519 keys (kty OKP, crv Ed25519) are accepted")
        if jwk.get("alg", ALGORITHM) != ALGORITHM or jwk.get("use", "sig") != "sig":
            raise KeyFileError(f"{where}: the key must be for signatures with {ALGORITHM}")
        try:
            raw = b64url_decode(jwk["x"])
        except (KeyError, TypeError, ValueError):
            raise KeyFileError(f"{where}: x is not base64url") from None
        if len(raw) != 32:
            raise KeyFileError(f"{where}: x is not a 32-byte Ed25519 public key")
        valid_from = _instant(jwk.get("validFrom"), where)
        if valid_from is None:
            raise KeyFileError(f"{where}: validFrom is missing")
        valid_until = _instant(jwk.get("validUntil"), where)
        if valid_until is not None and valid_until <= valid_from:
            raise KeyFileError(f"{where}: validUntil must come after validFrom")
        return cls(kid, org, VerifyKey(raw), valid_from, valid_until)


@dataclass(frozen=True, slots=True)
class PrivateKey:
    """An organisation's signing key; `public` is what its key set publishes."""

    signing_key: SigningKey
    public: PublicKey

    @property
    def kid(self) -> str:
        return self.public.kid

    @property
    def org(self) -> str:
        return self.public.org

    def to_jwk(self) -> dict[str, Any]:
        return {
            **self.public.to_jwk(),
            "org": self.org,
            "d": b64url(bytes(self.signing_key)).decode(),
        }

    @classmethod
    def from_jwk(cls, jwk: Mapping[str, Any], where: str) -> PrivateKey:
        org = jwk.get("org")
        if not isinstance(org, str) or not ORG.fullmatch(org):
            raise KeyFileError(f"{where}: org is missing or malformed")
        public = PublicKey.from_jwk(jwk, org, where)
        try:
            seed = b64url_decode(jwk["d"])
        except (KeyError, TypeError, ValueError):
            raise KeyFileError(f"{where}: d is not base64url") from None
        signing_key = SigningKey(seed) if len(seed) == 32 else None
        if signing_key is None or bytes(signing_key.verify_key) != bytes(public.verify_key):
            raise KeyFileError(f"{where}: d is not the private part of x")
        return cls(signing_key, public)


def generate_key(
    org: str, valid_from: datetime | None = None, valid_until: datetime | None = None
) -> PrivateKey:
    """A new Ed25519 key for `org`, valid from `valid_from` (default now) until `valid_until`."""
    if not ORG.fullmatch(org):
        raise ValueError("an organisation is lower-case letters, digits and hyphens: police")
    start = valid_from or datetime.now(UTC).replace(microsecond=0)
    if start.utcoffset() is None:
        raise ValueError("validity times must be timezone-aware")
    if valid_until is not None and valid_until <= start:
        raise ValueError("valid-until must come after valid-from")
    signing_key = SigningKey.generate()
    kid = f"{org}-{start.astimezone(UTC):%Y%m%d}-{secrets.token_hex(4)}"
    return PrivateKey(signing_key, PublicKey(kid, org, signing_key.verify_key, start, valid_until))


def jwks_path(jwks_dir: Path, org: str) -> Path:
    return jwks_dir / f"{org}{JWKS_SUFFIX}"


def read_jwks(path: Path) -> list[PublicKey]:
    """The keys of one `<org>.jwks.json` (the organisation is the file's name)."""
    org = path.name.removesuffix(JWKS_SUFFIX)
    try:
        document = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as error:
        raise KeyFileError(f"{path}: not JSON ({error})") from None
    keys = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(keys, list):
        raise KeyFileError(f"{path}: a JWKS is an object with a list of keys")
    return [PublicKey.from_jwk(jwk, org, str(path)) for jwk in keys]


def jwks_document(keys: Iterable[PublicKey]) -> dict[str, Any]:
    return {"keys": [key.to_jwk() for key in keys]}


def publish_key(jwks_dir: Path, key: PublicKey) -> Path:
    """Append `key` to its organisation's key set (created if new); the file written."""
    path = jwks_path(jwks_dir, key.org)
    keys = read_jwks(path) if path.exists() else []
    if any(known.kid == key.kid for known in keys):
        raise KeyFileError(f"{path}: kid {key.kid} is already published")
    jwks_dir.mkdir(parents=True, exist_ok=True)
    write_jwks(path, [*keys, key])
    return path


def write_jwks(path: Path, keys: Iterable[PublicKey]) -> None:
    path.write_bytes(orjson.dumps(jwks_document(keys), option=orjson.OPT_INDENT_2) + b"\n")


def write_private_key(private_dir: Path, key: PrivateKey) -> Path:
    """Write `key` to `<kid>.private.jwk`, readable by its owner only; the file written."""
    private_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = private_dir / f"{key.kid}{PRIVATE_SUFFIX}"
    # Created 0600 rather than chmod-ed after: the key is never readable by others.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(orjson.dumps(key.to_jwk(), option=orjson.OPT_INDENT_2) + b"\n")
    return path


def read_private_keys(private_dir: Path, org: str) -> list[PrivateKey]:
    """Every private key of `org` in `private_dir` (none when the directory is missing)."""
    if not private_dir.is_dir():
        return []
    keys = []
    for path in sorted(private_dir.glob(f"{org}-*{PRIVATE_SUFFIX}")):
        try:
            jwk = orjson.loads(path.read_bytes())
        except orjson.JSONDecodeError:
            raise KeyFileError(f"{path}: not JSON") from None
        key = PrivateKey.from_jwk(jwk, str(path))
        if key.org == org:
            keys.append(key)
    return keys
