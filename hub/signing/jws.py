"""Event signatures: a compact JWS with a detached, unencoded payload (RFC 7515, RFC 7797).

The signed payload is the record value exactly as it travels, so nothing is
re-serialised and a one-byte change is caught. The protected header binds the
event's identity to it: `ce_id`, `ce_source`, `ce_type` and `ce_dataschema`,
so a signature copied onto another event does not verify. With `b64: false`
the value is signed as it is (not base64-encoded per event) and the token,
`<header>..<signature>`, travels in the CloudEvents extension header `ce_jws`:

    {"alg":"EdDSA","kid":"courts-20261125-…","b64":false,"crit":["b64"],
     "ce_id":…,"ce_source":…,"ce_type":…,"ce_dataschema":…}

Verification refuses, in this order: no token (MISSING); a token that is not
such a JWS, or names other attributes (INVALID); a kid that is not a key of the
expected organisation or not in force now (UNKNOWN_KEY); a signature that does
not match (INVALID). Messages never quote header or token values.
"""

from __future__ import annotations

import binascii
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from nacl.exceptions import BadSignatureError

from hub.envelope import Envelope
from hub.signing.keyring import Keyring
from hub.signing.keys import ALGORITHM, PrivateKey, PublicKey, b64url, b64url_decode, millis

JWS_HEADER = "ce_jws"
JWS_EXTENSION = "jws"  # the extension's name in Envelope.extensions
BOUND_ATTRIBUTES = ("ce_id", "ce_source", "ce_type", "ce_dataschema")


class SignatureFault(enum.StrEnum):
    """Why a signature was refused; the names are the hub's reject reasons."""

    SIGNATURE_MISSING = "SIGNATURE_MISSING"
    SIGNATURE_INVALID = "SIGNATURE_INVALID"
    UNKNOWN_KEY = "UNKNOWN_KEY"


@dataclass(frozen=True, slots=True)
class SignatureProblem:
    fault: SignatureFault
    message: str


def sign(key: PrivateKey, value: bytes, attributes: Sequence[str]) -> str:
    """The `ce_jws` token for `value` with the bound attributes (in BOUND_ATTRIBUTES order)."""
    header = {"alg": ALGORITHM, "kid": key.kid, "b64": False, "crit": ["b64"]}
    header.update(zip(BOUND_ATTRIBUTES, attributes, strict=True))
    protected = b64url(orjson.dumps(header))
    signature = key.signing_key.sign(protected + b"." + value).signature
    return (protected + b".." + b64url(signature)).decode()


def _problem(fault: SignatureFault, message: str) -> SignatureProblem:
    return SignatureProblem(fault, message)


_NOT_A_JWS = _problem(
    SignatureFault.SIGNATURE_INVALID,
    "ce_jws is not a compact JWS with a detached payload (header..signature)",
)
_MISSING = _problem(
    SignatureFault.SIGNATURE_MISSING, "no ce_jws header: every event must be signed by its sender"
)
_MISMATCH = _problem(
    SignatureFault.SIGNATURE_INVALID, "the signature does not match the value and its attributes"
)


def verify(
    keyring: Keyring,
    org: str,
    token: str | None,
    value: bytes,
    attributes: Sequence[str],
    *,
    now_ms: int,
) -> SignatureProblem | None:
    """None when `token` is `org`'s valid signature of `value` and `attributes` at `now_ms`."""
    parsed = _parsed(token)
    if isinstance(parsed, SignatureProblem):
        return parsed
    protected, header, signature = parsed
    problem = _header_problem(header, attributes)
    if problem is not None:
        return problem
    key = _key(keyring, org, header.get("kid"), now_ms)
    if isinstance(key, SignatureProblem):
        return key
    try:
        key.verify_key.verify(protected.encode() + b"." + value, signature)
    except (BadSignatureError, ValueError):
        return _MISMATCH
    return None


def _parsed(token: str | None) -> tuple[str, dict[str, Any], bytes] | SignatureProblem:
    """The protected header (as sent and parsed) and the signature bytes of a token."""
    if token is None:
        return _MISSING
    protected, _, signature = token.partition("..")
    if not protected or not signature or "." in signature:
        return _NOT_A_JWS
    try:
        header = orjson.loads(b64url_decode(protected))
        raw_signature = b64url_decode(signature)
    except (binascii.Error, ValueError):
        return _NOT_A_JWS
    if not isinstance(header, dict):
        return _NOT_A_JWS
    return protected, header, raw_signature


def _header_problem(header: dict[str, Any], attributes: Sequence[str]) -> SignatureProblem | None:
    if header.get("alg") != ALGORITHM or header.get("b64") is not False:
        message = f"ce_jws must use alg {ALGORITHM} with b64 false (RFC 7797)"
        return _problem(SignatureFault.SIGNATURE_INVALID, message)
    if header.get("crit") != ["b64"]:
        return _problem(SignatureFault.SIGNATURE_INVALID, "ce_jws crit must be exactly [b64]")
    for name, expected in zip(BOUND_ATTRIBUTES, attributes, strict=True):
        if header.get(name) != expected:
            message = f"the signature was made for a different {name}"
            return _problem(SignatureFault.SIGNATURE_INVALID, message)
    return None


def _key(keyring: Keyring, org: str, kid: object, now_ms: int) -> PublicKey | SignatureProblem:
    key = keyring.get(kid) if isinstance(kid, str) else None
    if key is None or key.org != org:
        message = f"the signing key (kid) is not one of {org}'s published keys"
        return _problem(SignatureFault.UNKNOWN_KEY, message)
    if not key.valid_at(now_ms):
        message = f"the signing key of {org} is not in force now (outside its validity period)"
        return _problem(SignatureFault.UNKNOWN_KEY, message)
    return key


def envelope_attributes(envelope: Envelope) -> tuple[str, str, str, str]:
    """The attributes a signature binds, read from a parsed envelope."""
    return (envelope.id, envelope.source, envelope.type, envelope.dataschema)


def verify_envelope(
    keyring: Keyring, org: str, envelope: Envelope, value: bytes, now_ms: int
) -> SignatureProblem | None:
    """`verify` for a record whose envelope is already parsed (no header is read twice)."""
    token = envelope.extensions.get(JWS_EXTENSION)
    return verify(keyring, org, token, value, envelope_attributes(envelope), now_ms=now_ms)


HeaderPairs = Iterable[tuple[str, bytes | None]]


def signed_headers(
    key: PrivateKey, headers: HeaderPairs, value: bytes
) -> list[tuple[str, bytes | None]]:
    """`headers` with `ce_jws` replaced by `key`'s signature of `value` and these headers.

    Raises KeyError when a bound attribute is missing from `headers`.
    """
    kept = [(name, raw) for name, raw in headers if name != JWS_HEADER]
    found = {name: raw for name, raw in kept if name in BOUND_ATTRIBUTES}
    attributes = [(found[name] or b"").decode() for name in BOUND_ATTRIBUTES]
    kept.append((JWS_HEADER, sign(key, value, attributes).encode()))
    return kept


def current_key(keys: Sequence[PrivateKey], now: datetime) -> PrivateKey | None:
    """The newest of `keys` in force at `now` (during an overlap, the one that began last)."""
    now_ms = millis(now)
    valid = [key for key in keys if key.public.valid_at(now_ms)]
    return max(valid, key=lambda key: key.public.valid_from, default=None)
