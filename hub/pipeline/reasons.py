"""Why the hub refused an event, and who must act on it.

The codes are a closed list: they go into `hub.dlq` records, REJECTED receipts
and metrics, and connector teams write code against them. Who must act follows
the business receipt of Norway's justice hub (kvittering): a technical fault at
the sender, missing or wrong data at the sender, or a fault at the receiver.
"""

from __future__ import annotations

import enum


class ActionBy(enum.StrEnum):
    SENDER_TECHNICAL = "SENDER_TECHNICAL"  # fix the connector and resend
    SENDER_DATA = "SENDER_DATA"  # a caseworker must supply or correct a fact
    RECEIVER = "RECEIVER"  # the receiving system failed; the sender need not act


class RejectReason(enum.StrEnum):
    DECODE_ERROR = "DECODE_ERROR"
    OVERSIZE = "OVERSIZE"
    ENVELOPE_INVALID = "ENVELOPE_INVALID"
    SIGNATURE_MISSING = "SIGNATURE_MISSING"
    SIGNATURE_INVALID = "SIGNATURE_INVALID"
    UNKNOWN_KEY = "UNKNOWN_KEY"
    UNAUTHORIZED_SOURCE = "UNAUTHORIZED_SOURCE"
    UNKNOWN_TYPE = "UNKNOWN_TYPE"
    UNSUPPORTED_VERSION = "UNSUPPORTED_VERSION"
    SCHEMA_INVALID = "SCHEMA_INVALID"
    REFERENCE_NOT_FOUND = "REFERENCE_NOT_FOUND"
    RECEIVER_FAILED = "RECEIVER_FAILED"

    @property
    def action_by(self) -> ActionBy:
        if self is RejectReason.REFERENCE_NOT_FOUND:
            return ActionBy.SENDER_DATA
        if self is RejectReason.RECEIVER_FAILED:
            return ActionBy.RECEIVER
        return ActionBy.SENDER_TECHNICAL


def receiver_failure_action(code: str) -> ActionBy:
    """Who must act on a recipient's failure (a `delivery.confirmed` reason code)."""
    return ActionBy.RECEIVER if code == "RECEIVER_TECHNICAL_ERROR" else ActionBy.SENDER_DATA
