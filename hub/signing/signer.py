"""An organisation's signer: its private keys, the one in force used for each signature."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from hub.envelope import Envelope
from hub.signing.jws import HeaderPairs, current_key, envelope_attributes, sign, signed_headers
from hub.signing.keys import KeyFileError, PrivateKey, read_private_keys


def _utc_now() -> datetime:
    return datetime.now(UTC)


class EventSigner:
    """Signs events as `org`; during a rotation overlap, with the key that began last."""

    def __init__(
        self, org: str, keys: Sequence[PrivateKey], clock: Callable[[], datetime] = _utc_now
    ) -> None:
        self.org = org
        self._keys = tuple(keys)
        self._clock = clock

    def key(self) -> PrivateKey:
        """The key in force now; KeyFileError when none is."""
        key = current_key(self._keys, self._clock())
        if key is None:
            raise KeyFileError(
                f"no private key of {self.org} is in force now: run `hub keys generate {self.org}`"
            )
        return key

    def sign_envelope(self, envelope: Envelope, value: bytes) -> str:
        """The `ce_jws` token for an event with this envelope and value."""
        return sign(self.key(), value, envelope_attributes(envelope))

    def sign_headers(self, headers: HeaderPairs, value: bytes) -> list[tuple[str, bytes | None]]:
        """The record's headers with its `ce_jws` replaced by this organisation's signature."""
        return signed_headers(self.key(), headers, value)


def load_signer(private_dir: Path, org: str) -> EventSigner:
    """`org`'s signer from its private keys in `private_dir`; KeyFileError when it has none."""
    keys = read_private_keys(private_dir, org)
    if not keys:
        raise KeyFileError(
            f"no private key of {org} in {private_dir}: run `hub keys generate {org}` "
            "(or set HUB_SIGNING_KEYS_DIR)"
        )
    signer = EventSigner(org, keys)
    signer.key()  # fail at start, not at the first event, when none is in force
    return signer
