"""Signatures (notoritet): every event signed by its sender, every egress record by the hub.

Ed25519 keys (JWS alg EdDSA) identified by kid, published as one JWKS per
organisation with a validity period per key; private parts stay outside git.
See `jws` for what a signature covers and `keys` for the files.
"""

from hub.signing.jws import (
    JWS_HEADER,
    SignatureFault,
    SignatureProblem,
    sign,
    signed_headers,
    verify,
    verify_envelope,
)
from hub.signing.keyring import Keyring, load_keyring
from hub.signing.keys import HUB_ORG, KeyFileError, PrivateKey, PublicKey, generate_key
from hub.signing.provision import key_sets_for_a_run, provision_keys
from hub.signing.signer import EventSigner, load_signer

__all__ = [
    "HUB_ORG",
    "JWS_HEADER",
    "EventSigner",
    "KeyFileError",
    "Keyring",
    "PrivateKey",
    "PublicKey",
    "SignatureFault",
    "SignatureProblem",
    "generate_key",
    "key_sets_for_a_run",
    "load_keyring",
    "load_signer",
    "provision_keys",
    "sign",
    "signed_headers",
    "verify",
    "verify_envelope",
]
