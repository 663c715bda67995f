"""Personal data masked on screen, and kept when an operator sends a correction.

A field is personal when the catalogue marks it `x-pii` in any event type, so
a dead letter of an unknown type or version is masked as well as a valid one.
Any string that looks like a national identity number (11 digits) is masked
too, wherever it is. An operator corrects the masked payload; a masked value
left as it is keeps its original value when the correction is sent.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from hub.catalogue.bundle import dereference, json_pointer
from hub.catalogue.catalogue import Catalogue

MASK = "••• masked •••"
_IDENTITY_NUMBER = re.compile(r"(?<!\d)\d{11}(?!\d)")


class CorrectionError(ValueError):
    """A correction cannot be completed from the original (a mask where it had no value)."""


def _declared_personal(node: Any) -> Iterator[str]:
    if isinstance(node, Mapping):
        for name, child in (node.get("properties") or {}).items():
            if isinstance(child, Mapping) and child.get("x-pii"):
                yield name
        for child in node.values():
            yield from _declared_personal(child)
    elif isinstance(node, list):
        for child in node:
            yield from _declared_personal(child)


def personal_fields(catalogue: Catalogue) -> frozenset[str]:
    """The names of every field any version of any type marks `x-pii`."""
    return frozenset(
        name
        for event_type in catalogue.types.values()
        for version in event_type.versions.values()
        for name in _declared_personal(dereference(version.schema, catalogue.defs))
    )


def mask(data: Any, personal: frozenset[str], reveal: str | None = None) -> tuple[Any, list[str]]:
    """A copy of `data` with personal values replaced by MASK, and their JSON pointers.

    `reveal`: one pointer whose value is shown (an auditor's audited reveal).
    """
    masked: list[str] = []

    def walk(node: Any, trail: tuple[str | int, ...], personal_here: bool) -> Any:
        pointer = json_pointer(trail)
        if pointer == reveal:
            return node
        if isinstance(node, Mapping):
            return {
                key: walk(value, (*trail, key), personal_here or key in personal)
                for key, value in node.items()
            }
        if isinstance(node, list):
            return [walk(item, (*trail, i), personal_here) for i, item in enumerate(node)]
        if node is not None and (
            personal_here or (isinstance(node, str) and _IDENTITY_NUMBER.search(node))
        ):
            masked.append(pointer)
            return MASK
        return node

    return walk(data, (), False), masked


def value_at(data: Any, pointer: str) -> Any:
    """The value at a JSON pointer; KeyError when there is none."""
    node = data
    for raw in pointer.split("/")[1:]:
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, Mapping) and part in node:
            node = node[part]
        else:
            raise KeyError(pointer)
    return node


def with_masked_values_kept(corrected: Any, original: Any) -> Any:
    """The correction with every MASK left in it replaced by the original's value there."""

    def walk(node: Any, trail: tuple[str | int, ...]) -> Any:
        if node == MASK:
            pointer = json_pointer(trail)
            try:
                return value_at(original, pointer)
            except KeyError:
                raise CorrectionError(
                    f"{pointer} is masked but the original has no value there: "
                    "type the value, or remove the field"
                ) from None
        if isinstance(node, Mapping):
            return {key: walk(value, (*trail, key)) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(item, (*trail, i)) for i, item in enumerate(node)]
        return node

    return walk(corrected, ())
