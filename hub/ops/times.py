"""Kafka and audit timestamps (milliseconds) as people read them, always in UTC."""

from __future__ import annotations

import datetime as dt


def utc_text(milliseconds: int, pattern: str = "%Y-%m-%d %H:%M:%S") -> str:
    return dt.datetime.fromtimestamp(milliseconds / 1000, dt.UTC).strftime(pattern)
