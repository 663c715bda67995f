"""Upcasting: an older version's data lifted, step by step, to the canonical one.

The hub gives every consumer the canonical (newest) version of a type. An
event validated against an older version goes through the upcasters of
`hub.catalogue.upcasters`, one major version at a time (v1 to v2, v2 to v3,
...). A missing step is a catalogue defect, reported as `MissingUpcasterError`.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hub.catalogue.catalogue import Catalogue, EventType
from hub.catalogue.upcasters import UPCASTERS, Upcaster
from hub.catalogue.validation import SchemaValidators

Upcasters = Mapping[tuple[str, int], Upcaster]


class MissingUpcasterError(LookupError):
    """No upcaster for one step between two versions of a type."""

    def __init__(self, type_name: str, from_version: int):
        super().__init__(
            f"{type_name}: no upcaster from v{from_version} to v{from_version + 1} "
            f"in hub.catalogue.upcasters"
        )
        self.type_name, self.from_version = type_name, from_version


def missing_steps(
    type_name: str, older: int, newer: int, upcasters: Upcasters = UPCASTERS
) -> list[int]:
    """The versions in [older, newer) that have no upcaster to the next one."""
    return [step for step in range(older, newer) if (type_name, step) not in upcasters]


def upcast(
    type_name: str,
    version: int,
    target: int,
    data: dict[str, Any],
    upcasters: Upcasters = UPCASTERS,
) -> dict[str, Any]:
    """`data` of `version` as `target` data; the same object when they are equal."""
    if target < version:
        raise ValueError(f"{type_name}: cannot upcast v{version} down to v{target}")
    for step in range(version, target):
        upcaster = upcasters.get((type_name, step))
        if upcaster is None:
            raise MissingUpcasterError(type_name, step)
        data = upcaster(data)
    return data


def to_canonical(
    catalogue: Catalogue,
    type_name: str,
    version: int,
    data: dict[str, Any],
    upcasters: Upcasters = UPCASTERS,
) -> tuple[int, dict[str, Any]]:
    """The canonical version of the type and `data` upcast to it.

    Raises KeyError for an unknown type and MissingUpcasterError for a gap.
    """
    canonical = catalogue.types[type_name].canonical_version
    return canonical, upcast(type_name, version, canonical, data, upcasters)


@dataclass(frozen=True)
class UpcastFailure:
    """A valid example of an older version that, upcast, is not valid newer data."""

    example: str
    path: str
    message: str


def upcast_failures(
    event_type: EventType,
    older: int,
    newer: int,
    validators: SchemaValidators,
    upcasters: Upcasters = UPCASTERS,
) -> list[UpcastFailure]:
    """The proof an upcaster chain owes: every valid `older` example, upcast, is valid."""
    failures = []
    for example in event_type.versions[older].valid_examples:
        where = f"{example.name} upcast from v{older} to v{newer}"
        try:
            data = upcast(event_type.name, older, newer, copy.deepcopy(example.data), upcasters)
        except Exception as error:  # an upcaster's bug is reported, not raised
            message = f"{where}: upcaster raised {type(error).__name__}: {error}"
            failures.append(UpcastFailure(example.name, "", message))
            continue
        for found in validators.explain(event_type.name, newer, data)[:1]:
            message = f"{where} is invalid: {found.message}"
            failures.append(UpcastFailure(example.name, found.path, message))
    return failures


def upcaster_gaps(catalogue: Catalogue, upcasters: Upcasters = UPCASTERS) -> list[str]:
    """Versions the hub cannot lift to the canonical one, and upcasters leading nowhere."""
    gaps = []
    for event_type in catalogue.types.values():
        canonical = event_type.canonical_version
        for step in missing_steps(event_type.name, min(event_type.versions), canonical, upcasters):
            gaps.append(
                f"{event_type.name}: no upcaster from v{step} to v{step + 1}; "
                f"v{step} events cannot be given as canonical v{canonical}"
            )
    for type_name, step in sorted(upcasters):
        versions = catalogue.types[type_name].versions if type_name in catalogue.types else {}
        if step + 1 not in versions:
            gaps.append(f"upcaster {type_name} v{step} leads to no v{step + 1} in the catalogue")
    return gaps
