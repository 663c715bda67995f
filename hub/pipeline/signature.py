"""Signature step: the sender's signature over the exact value, before anything reads it.

The key must be one its organisation published (the one `ce_source` names;
the ownership step checks later that this source may write the topic) and be
in force now. The reasons are the hub's SIGNATURE_MISSING, SIGNATURE_INVALID
and UNKNOWN_KEY; messages never quote the token or any header value.
"""

from __future__ import annotations

from hub.envelope import Envelope
from hub.pipeline.outcomes import Rejection
from hub.pipeline.reasons import RejectReason
from hub.signing import HUB_ORG, JWS_HEADER, Keyring, verify_envelope


def signature_problem(
    keyring: Keyring,
    envelope: Envelope,
    value: bytes | None,
    now_ms: int,
    *,
    redriven: bool = False,
) -> Rejection | None:
    """Why the event's `ce_jws` does not prove its sender sent these bytes, or None.

    A re-driven event (only operations may write `hub.redrive`) may instead carry
    the hub's signature: operations sign a value they corrected for the hub.
    """
    problem = verify_envelope(keyring, envelope.source_org, envelope, value or b"", now_ms)
    if problem is None:
        return None
    if redriven and verify_envelope(keyring, HUB_ORG, envelope, value or b"", now_ms) is None:
        return None
    return Rejection(RejectReason(problem.fault.value), problem.message, JWS_HEADER)
