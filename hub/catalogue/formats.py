"""The string formats the catalogue asserts, for both validators.

JSON Schema 2020-12 treats `format` as an annotation unless a validator is
told to assert it. In our catalogue formats are assertions: a wrong check digit
in a national identity number or 31 February is an error at the sender. Both
the hot-path validator (jsonschema-rs) and the reference one (`jsonschema`)
get the same functions from here, so they cannot disagree on a format.

A schema that uses a format not listed in `FORMAT_ASSERTIONS` is reported by
`hub schemas check`: the two libraries know different built-in formats.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from jsonschema import FormatChecker  # type: ignore[import-untyped,unused-ignore]

from hub.catalogue.bundle import subschemas
from hub.catalogue.identity import is_valid_national_identity_number

NATIONAL_IDENTITY_NUMBER = "national-identity-number"

_FULL_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
# RFC 3339 date-time with a mandatory offset; `T`/`Z` may be lower case.
_DATE_TIME = re.compile(
    r"(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2}(?:\.\d+)?)([Zz]|[+-]\d{2}:\d{2})", re.ASCII
)
_UUID = re.compile(r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}", re.ASCII)
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+")


def _is_full_date(text: str) -> bool:
    if not _FULL_DATE.fullmatch(text):
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def is_date(value: object) -> bool:
    """RFC 3339 full-date (`2024-02-29`); values that are not strings pass."""
    return not isinstance(value, str) or _is_full_date(value)


def is_date_time(value: object) -> bool:
    """RFC 3339 date-time with an offset (`2024-02-29T13:05:00+01:00`).

    Values that are not strings pass: `type` decides those.
    """
    if not isinstance(value, str):
        return True
    match = _DATE_TIME.fullmatch(value)
    if match is None or not _is_full_date(match[1]):
        return False
    offset = "+00:00" if match[3] in "Zz" else match[3]
    try:
        dt.time.fromisoformat(match[2] + offset)
    except ValueError:
        return False
    return True


def is_uuid(value: object) -> bool:
    """A UUID in its hyphenated hex form (RFC 9562), any version."""
    return not isinstance(value, str) or _UUID.fullmatch(value) is not None


def is_email(value: object) -> bool:
    """A plausible e-mail address: one `@`, a dotted domain, no spaces.

    Deliberately simpler than RFC 5321: it catches a phone number or a name in
    the field; whether the address exists only sending can tell.
    """
    return not isinstance(value, str) or _EMAIL.fullmatch(value) is not None


def is_national_identity_number(value: object) -> bool:
    """Fødselsnummer, D-number or synthetic number with both check digits right."""
    return not isinstance(value, str) or is_valid_national_identity_number(value)


FORMAT_ASSERTIONS: Mapping[str, Callable[[object], bool]] = MappingProxyType(
    {
        NATIONAL_IDENTITY_NUMBER: is_national_identity_number,
        "date": is_date,
        "date-time": is_date_time,
        "uuid": is_uuid,
        "email": is_email,
    }
)


@dataclass(frozen=True)
class FormatChange:
    """A `format` added, removed or changed at one place between two versions.

    Confluent's compatibility rules ignore `format` (an annotation there); here
    it is an assertion, so a change can break readers: a format added or
    changed breaks BACKWARD (older data may not match it), one removed or
    changed breaks FORWARD (older readers reject newer data).
    """

    path: str
    older: str | None
    newer: str | None

    @property
    def breaks(self) -> tuple[str, ...]:
        """The directions this change breaks: BACKWARD, FORWARD or both."""
        return tuple(
            direction
            for direction, broken in (("BACKWARD", self.newer), ("FORWARD", self.older))
            if broken is not None
        )

    @property
    def description(self) -> str:
        where = self.path or "the event"
        if self.older is None:
            return f"format {self.newer!r} was added at {where}"
        if self.newer is None:
            return f"format {self.older!r} was removed at {where}"
        return f"format at {where} changed from {self.older!r} to {self.newer!r}"


def format_changes(older: Mapping[str, Any], newer: Mapping[str, Any]) -> list[FormatChange]:
    """Format differences at the places both dereferenced schemas describe."""
    before = {path: node.get("format") for path, node in subschemas(older, "")}
    after = {path: node.get("format") for path, node in subschemas(newer, "")}
    return [
        FormatChange(path, before[path], after[path])
        for path in sorted(before.keys() & after.keys())
        if before[path] != after[path]
    ]


def format_checker() -> FormatChecker:
    """A `jsonschema` format checker asserting exactly `FORMAT_ASSERTIONS`."""
    checker = FormatChecker(formats=())
    for name, predicate in FORMAT_ASSERTIONS.items():
        checker.checks(name)(predicate)
    return checker


def rust_formats() -> dict[str, Callable[[object], bool]]:
    """The `formats=` argument for jsonschema-rs (with `validate_formats=True`)."""
    return dict(FORMAT_ASSERTIONS)
