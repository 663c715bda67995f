"""Schema validation of event data, on the hub's hot path and in the tooling.

`SchemaValidators` compiles one jsonschema-rs validator per (type, version)
when it is built, from the bundled schema: `violation` answers "valid?" in a
few microseconds and builds nothing for a valid event. `explain` runs the
reference `jsonschema` validator against the source schema (shared
definitions resolved through a registry) and lists every violation, for
people. `hub schemas check` and a property-based test keep the two in
agreement.

Messages never echo instance values: the value is replaced by its location,
so personal data (`x-pii`) cannot reach the DLQ, logs or traces through them.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator, FormatChecker  # type: ignore[import-untyped,unused-ignore]
from jsonschema.exceptions import ValidationError  # type: ignore[import-untyped,unused-ignore]
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from hub.catalogue.bundle import json_pointer
from hub.catalogue.catalogue import Catalogue, SchemaVersion
from hub.catalogue.formats import format_checker, rust_formats

# jsonschema-rs writes this in place of the instance value; replaced below.
_MASK = "\x00value\x00"


@dataclass(frozen=True)
class SchemaViolation:
    """Where an event breaks its schema (JSON pointer), and how, without its values."""

    path: str
    message: str
    keyword: str


class UnknownEventTypeError(KeyError):
    """No schema for this event type: the hub rejects it as UNKNOWN_TYPE."""


class UnsupportedVersionError(KeyError):
    """The type is known but not this major version: UNSUPPORTED_VERSION."""


def _masked(message: str, path: str, value_repr: str) -> str:
    place = f"the value at {path}" if path else "the event"
    if value_repr in message:
        return message.replace(value_repr, place, 1)
    return f"at {path}: {message}" if path else message


class SchemaValidators:
    """Compiled validators for every (type, version) of a catalogue."""

    def __init__(self, catalogue: Catalogue) -> None:
        self._catalogue = catalogue
        registry: Registry[Any] = Registry().with_resource(
            catalogue.defs["$id"], Resource.from_contents(catalogue.defs, DRAFT202012)
        )
        checker = format_checker()
        versions = [
            schema_version
            for event_type in catalogue.types.values()
            for schema_version in event_type.versions.values()
        ]
        self._fast = MappingProxyType({_key(v): compile_fast(v) for v in versions})
        self._reference = MappingProxyType(
            {_key(v): compile_reference(v, registry, checker) for v in versions}
        )

    def violation(self, type_name: str, version: int, data: Any) -> SchemaViolation | None:
        """The first violation, or None for valid data (the fast path)."""
        try:
            validator = self._fast[type_name, version]
        except KeyError:
            raise self._unknown(type_name, version) from None
        if validator.is_valid(data):
            return None
        try:
            error = next(iter(validator.iter_errors(data)))
        except ValueError:  # jsonschema-rs: "Recursion limit reached" beyond ~255 levels
            return SchemaViolation("", "the event is nested too deeply to explain", "depth")
        path = json_pointer(error.instance_path)
        return SchemaViolation(path, _masked(error.message, path, _MASK), error.kind.name)

    def explain(
        self, type_name: str, version: int, data: Any, *, nested: bool = False
    ) -> list[SchemaViolation]:
        """Every violation by the reference validator, ordered by location.

        With `nested`, also the failures inside `oneOf`/`anyOf` branches.
        """
        try:
            validator = self._reference[type_name, version]
        except KeyError:
            raise self._unknown(type_name, version) from None
        errors = sorted(validator.iter_errors(data), key=lambda error: list(map(str, error.path)))
        if nested:
            return [violation for error in errors for violation in nested_violations(error)]
        return [reference_violation(error) for error in errors]

    def _unknown(self, type_name: str, version: int) -> KeyError:
        if type_name not in self._catalogue.types:
            return UnknownEventTypeError(type_name)
        return UnsupportedVersionError(f"{type_name} v{version}")


def _key(schema_version: SchemaVersion) -> tuple[str, int]:
    return schema_version.type_name, schema_version.version


def compile_fast(schema_version: SchemaVersion) -> jsonschema_rs.Validator:
    """The jsonschema-rs validator for one version: formats asserted, values masked."""
    return jsonschema_rs.Draft202012Validator(
        dict(schema_version.bundled),
        formats=rust_formats(),
        validate_formats=True,
        ignore_unknown_formats=True,
        mask=_MASK,
    )


def compile_reference(
    schema_version: SchemaVersion, registry: Registry[Any], checker: FormatChecker
) -> Draft202012Validator:
    """The reference validator for one version: the source schema, formats asserted."""
    return Draft202012Validator(schema_version.schema, registry=registry, format_checker=checker)


def reference_violation(error: ValidationError) -> SchemaViolation:
    """A `jsonschema` error as a violation, the instance value masked."""
    path = json_pointer(error.absolute_path)
    return SchemaViolation(
        path, _masked(error.message, path, repr(error.instance)), str(error.validator)
    )


def nested_violations(error: ValidationError) -> list[SchemaViolation]:
    """The error and all errors beneath it (oneOf/anyOf branches), as violations."""
    found = [reference_violation(error)]
    for inner in error.context or ():
        found.extend(nested_violations(inner))
    return found
