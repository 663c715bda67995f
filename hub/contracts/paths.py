"""The paths a contract reads: JSON pointers, with `*` for "every element of an array".

`/caseId`, `/sentence/kind`, `/verdicts/*/result`. A contract names paths as
JSON pointers (RFC 6901) so that any language can read them; the hub's own
routes and projections use dotted paths (`verdicts[].result`), so
`dotted_path` translates one into the other and the hub's functions
(`schema_field`, `compile_projection`) do the rest. `*` is the one addition to
RFC 6901 here: no field of the catalogue is called `*`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hub.pipeline.project import ARRAY_MARK, Projection

EVERY_ELEMENT = "*"


class PointerError(ValueError):
    """A path that is not a JSON pointer of field names."""


def pointer_segments(pointer: str) -> tuple[str, ...]:
    """The unescaped reference tokens of a pointer: `/a/*/b` is ("a", "*", "b")."""
    if not pointer.startswith("/") or pointer == "/":
        raise PointerError(f"{pointer!r} is not a JSON pointer to a field (like /caseId)")
    tokens = tuple(t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/"))
    if tokens[0] == EVERY_ELEMENT or any(not t for t in tokens):
        raise PointerError(f"{pointer!r} has an empty or leading `*` segment")
    for before, token in itertools.pairwise(tokens):
        if before == EVERY_ELEMENT and token == EVERY_ELEMENT:
            raise PointerError(f"{pointer!r}: arrays of arrays are not in the catalogue")
    return tokens


def dotted_path(pointer: str) -> str:
    """The routes' dotted form of a pointer: `/verdicts/*/result` is `verdicts[].result`."""
    dotted: list[str] = []
    for token in pointer_segments(pointer):
        if token == EVERY_ELEMENT:
            dotted[-1] += ARRAY_MARK
        else:
            dotted.append(token)
    return ".".join(dotted)


@dataclass(frozen=True, slots=True)
class Located:
    """Where a pointer lands in one message: the concrete pointers found and those missing."""

    found: tuple[str, ...]
    missing: tuple[str, ...]


def locate(data: Any, pointer: str) -> Located:
    """Every concrete place (`/verdicts/0/result`) a pointer names in `data`.

    A `*` over an empty array finds nothing and misses nothing (there is no
    element to read); a field missing in one element is missing at that element.
    """
    found: list[str] = []
    missing: list[str] = []
    _walk(data, pointer_segments(pointer), "", found, missing)
    return Located(tuple(found), tuple(missing))


def _walk(value: Any, tokens: Sequence[str], at: str, found: list[str], missing: list[str]) -> None:
    if not tokens:
        found.append(at)
        return
    token, rest = tokens[0], tokens[1:]
    if token == EVERY_ELEMENT:
        if not isinstance(value, list):
            missing.append(at)
            return
        for index, item in enumerate(value):
            _walk(item, rest, f"{at}/{index}", found, missing)
        return
    escaped = token.replace("~", "~0").replace("/", "~1")
    if not isinstance(value, Mapping) or token not in value:
        missing.append(f"{at}/{escaped}")
        return
    _walk(value[token], rest, f"{at}/{escaped}", found, missing)


def projection_covers(projection: Projection, pointer: str) -> bool:
    """True when a recipient's projection keeps the whole field a pointer names.

    A projection that keeps only some fields below it (`conditions.contactBan`
    when the contract reads `/conditions`) does not cover it.
    """
    level: Projection | None = projection
    for token in pointer_segments(pointer):
        if token == EVERY_ELEMENT:
            continue  # projections apply to every element of an array alike
        if level is None:
            return True
        kept = dict(level.fields)
        if token not in kept:
            return False
        level = kept[token]
    return level is None


def leaf_pointers(data: Any, at: str = "") -> Iterator[str]:
    """Every scalar's concrete pointer in `data` (array elements by index)."""
    if isinstance(data, Mapping):
        for key, value in data.items():
            yield from leaf_pointers(value, f"{at}/{key.replace('~', '~0').replace('/', '~1')}")
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from leaf_pointers(value, f"{at}/{index}")
    else:
        yield at
