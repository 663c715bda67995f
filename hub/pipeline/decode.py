"""Step 1: the record's value as JSON, within the size limit."""

from __future__ import annotations

from typing import Any

import orjson

from hub.pipeline.outcomes import Rejection
from hub.pipeline.reasons import RejectReason

DEFAULT_MAX_EVENT_BYTES = 256 * 1024


def decode_value(value: bytes | None, max_bytes: int) -> dict[str, Any] | Rejection:
    """The event data as a JSON object, or why it is not one."""
    if value is None:
        return Rejection(RejectReason.DECODE_ERROR, "the record has no value (a tombstone)")
    if len(value) > max_bytes:
        return Rejection(
            RejectReason.OVERSIZE, f"the value is {len(value)} bytes; the limit is {max_bytes}"
        )
    try:
        data = orjson.loads(value)
    except orjson.JSONDecodeError as error:
        # orjson's message names line, column and character position, never the content.
        return Rejection(RejectReason.DECODE_ERROR, f"the value is not JSON: {error}")
    if not isinstance(data, dict):
        return Rejection(
            RejectReason.DECODE_ERROR, f"the value is JSON {type(data).__name__}, not an object"
        )
    return data
