"""`hub schemas check`: is the catalogue a contract partners can rely on?

`check_catalogue` loads a catalogue folder and reports, as values, every
place it breaks the rules of schemas/README.md: each schema against the
2020-12 meta-schema, its `$id`, titles and descriptions, the formats it
asserts; each example against its label (invalid ones at the location and
keyword expected-failures.json names, by both validators alike); and each
version pair against the type's compatibility policy. A change the policy
forbids is "bridged", not a violation, when upcasters lead from the older
version to the newer one and every valid example of the older version,
upcast, is valid against the newer one.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator  # type: ignore[import-untyped,unused-ignore]

from hub.catalogue.bundle import (
    DECLARATIONS,
    DEFS_ID,
    UnresolvableReferenceError,
    dereference,
    json_pointer,
    subschemas,
)
from hub.catalogue.catalogue import (
    Catalogue,
    CatalogueError,
    EventType,
    ExpectedFailure,
    SchemaVersion,
    load_catalogue,
)
from hub.catalogue.compatibility import check_policy
from hub.catalogue.formats import FORMAT_ASSERTIONS, format_changes
from hub.catalogue.upcast import Upcasters, missing_steps, upcast_failures, upcaster_gaps
from hub.catalogue.upcasters import UPCASTERS
from hub.catalogue.validation import SchemaValidators, SchemaViolation, compile_fast

DIALECT = "https://json-schema.org/draft/2020-12/schema"
MIN_EXAMPLES = 3
_META_SCHEMA = Draft202012Validator(Draft202012Validator.META_SCHEMA)


@dataclass(frozen=True)
class CatalogueViolation:
    """One broken rule: which type and versions, where (JSON pointer), and why."""

    type_name: str
    versions: tuple[int, ...]
    path: str
    rule: str
    message: str


@dataclass(frozen=True)
class BridgedChange:
    """A change the policy forbids, accepted because upcasters bridge it."""

    type_name: str
    older: int
    newer: int
    message: str


@dataclass(frozen=True)
class VersionSummary:
    version: int
    schema_id: str
    valid_examples: int
    invalid_examples: int


@dataclass(frozen=True)
class TypeSummary:
    name: str
    policy: str
    producers: tuple[str, ...]
    canonical_version: int
    versions: tuple[VersionSummary, ...]


@dataclass(frozen=True)
class CheckReport:
    """The outcome of `check_catalogue`; `ok` when nothing is violated."""

    root: Path
    types: tuple[TypeSummary, ...]
    violations: tuple[CatalogueViolation, ...]
    bridged: tuple[BridgedChange, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.violations

    def as_json(self) -> dict[str, Any]:
        """The report as `hub schemas check --json` prints it."""
        data = dataclasses.asdict(self)
        for entry in (*data["types"], *data["violations"], *data["bridged"]):
            entry["type"] = entry.pop("type_name", None) or entry.pop("name", None)
        return {"ok": self.ok, **data, "root": str(self.root)}


def check_catalogue(root: Path, upcasters: Upcasters = UPCASTERS) -> CheckReport:
    """Check every schema, example and version pair of the catalogue at `root`."""
    try:
        catalogue = load_catalogue(root)
    except CatalogueError as error:
        return CheckReport(Path(root), (), (_load_violation(Path(root), error),))
    violations = list(_defs_violations(catalogue.defs))
    broken = set()
    for schema_version in (v for t in catalogue.types.values() for v in t.versions.values()):
        found = list(_schema_violations(schema_version, catalogue.defs))
        violations.extend(found)
        if any(violation.rule in {"meta-schema", "compile"} for violation in found):
            broken.add((schema_version.type_name, schema_version.version))
    healthy = _without(catalogue, broken)
    validators = SchemaValidators(healthy)
    bridged: list[BridgedChange] = []
    for event_type in healthy.types.values():
        for schema_version in event_type.versions.values():
            violations.extend(_example_violations(schema_version, validators))
        broken_pairs, bridged_pairs = _policy_violations(event_type, healthy, validators, upcasters)
        violations.extend(broken_pairs)
        bridged.extend(bridged_pairs)
    return CheckReport(
        root=catalogue.root,
        types=tuple(_summary(event_type) for event_type in catalogue.types.values()),
        violations=tuple(violations),
        bridged=tuple(bridged),
        notes=tuple(upcaster_gaps(catalogue, upcasters)),
    )


def _load_violation(root: Path, error: CatalogueError) -> CatalogueViolation:
    try:
        type_name = error.path.relative_to(root).parts[0]
    except (ValueError, IndexError):
        type_name = ""
    return CatalogueViolation(type_name, (), "", "load", str(error))


def _without(catalogue: Catalogue, broken: set[tuple[str, int]]) -> Catalogue:
    """The catalogue minus versions that cannot be compiled, for the later checks."""
    types = {}
    for name, event_type in catalogue.types.items():
        versions = {n: v for n, v in event_type.versions.items() if (name, n) not in broken}
        if versions:
            types[name] = dataclasses.replace(event_type, versions=versions)
    return dataclasses.replace(catalogue, types=types)


def _summary(event_type: EventType) -> TypeSummary:
    versions = tuple(
        VersionSummary(n, v.schema_id, len(v.valid_examples), len(v.invalid_examples))
        for n, v in event_type.versions.items()
    )
    return TypeSummary(
        event_type.name,
        event_type.compatibility.value,
        event_type.producers,
        event_type.canonical_version,
        versions,
    )


def _defs_violations(defs: Mapping[str, Any]) -> Iterator[CatalogueViolation]:
    for error in _META_SCHEMA.iter_errors(defs):
        yield CatalogueViolation(
            "_defs", (1,), json_pointer(error.absolute_path), "meta-schema", error.message
        )
    if defs.get("$id") != DEFS_ID:
        yield CatalogueViolation("_defs", (1,), "/$id", "schema-id", f"$id must be {DEFS_ID}")


def _schema_violations(
    version: SchemaVersion, defs: Mapping[str, Any]
) -> Iterator[CatalogueViolation]:
    def violation(path: str, rule: str, message: str) -> CatalogueViolation:
        return CatalogueViolation(version.type_name, (version.version,), path, rule, message)

    meta_errors = list(_META_SCHEMA.iter_errors(version.schema))
    for error in meta_errors:
        yield violation(json_pointer(error.absolute_path), "meta-schema", error.message)
    if version.schema.get("$schema") != DIALECT:
        yield violation("/$schema", "dialect", f"$schema must be {DIALECT}")
    if version.schema.get("$id") != version.schema_id:
        yield violation("/$id", "schema-id", f"$id must be {version.schema_id}")
    if meta_errors:
        return
    try:
        compile_fast(version)
        resolved = dereference(version.schema, defs)
    except (ValueError, UnresolvableReferenceError) as error:
        yield violation("", "compile", f"{version.path.name}: {error}")
        return
    for path, problem in _documentation_gaps(resolved):
        yield violation(path, "documentation", problem)
    for path, subschema in subschemas(resolved, ""):
        name = subschema.get("format")
        if name is not None and name not in FORMAT_ASSERTIONS:
            known = ", ".join(FORMAT_ASSERTIONS)
            yield violation(f"{path}/format", "format", f"format {name!r} is not one of {known}")
        if (regex_problem := _python_regex_problem(subschema.get("pattern"))) is not None:
            message = f"pattern {regex_problem}: jsonschema needs it"
            yield violation(f"{path}/pattern", "compile", message)


def _python_regex_problem(pattern: object) -> str | None:
    """Why Python's `re` (the reference validator's engine) rejects a pattern, if it does."""
    try:
        re.compile(pattern) if isinstance(pattern, str) else None
    except re.error as error:
        return str(error)
    return None


def _documentation_gaps(schema: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """Title or description missing on the schema or on a declared property.

    Conditions (`if`, branches of `oneOf`...) only constrain properties that a
    closed object declares beside them, so only the declarations are read.
    """
    documented = [("", schema)]
    for path, subschema in subschemas(schema, "", DECLARATIONS):
        properties = subschema.get("properties", {})
        documented.extend((f"{path}/properties/{name}", properties[name]) for name in properties)
    for path, node in documented:
        for keyword in ("title", "description"):
            if not isinstance(node, Mapping) or not node.get(keyword):
                yield path, f"{path or 'the schema'} has no {keyword}"


def _example_violations(
    version: SchemaVersion, validators: SchemaValidators
) -> Iterator[CatalogueViolation]:
    type_name, number = version.type_name, version.version

    def violation(path: str, rule: str, message: str) -> CatalogueViolation:
        return CatalogueViolation(type_name, (number,), path, rule, message)

    for label, examples in (
        ("valid", version.valid_examples),
        ("invalid", version.invalid_examples),
    ):
        if len(examples) < MIN_EXAMPLES:
            message = f"{len(examples)} {label} examples; at least {MIN_EXAMPLES} are needed"
            yield violation("", "examples", message)
    for name in version.unmatched_expectations:
        yield violation("", "expected-failure", f"expected-failures.json names no file {name}")
    for example in version.examples:
        fast = validators.violation(type_name, number, example.data)
        found = validators.explain(type_name, number, example.data, nested=True)
        if (fast is None) != (not found):
            message = f"{example.name}: jsonschema-rs and jsonschema disagree on validity"
            yield violation("", "validator-agreement", message)
        if example.valid and found:
            first = found[0]
            yield violation(first.path, "valid-example", f"{example.name} fails: {first.message}")
        elif not example.valid:
            yield from _expectation_violations(
                example.name, example.expected_failure, found, violation
            )


def _expectation_violations(
    name: str,
    expected: ExpectedFailure | None,
    found: list[SchemaViolation],
    violation: Callable[[str, str, str], CatalogueViolation],
) -> Iterator[CatalogueViolation]:
    """An invalid example must fail, and at the location and keyword it names."""
    if not found:
        yield violation("", "invalid-example", f"{name} is labelled invalid but validates")
    elif expected is None:
        yield violation("", "expected-failure", f"{name} has no entry in expected-failures.json")
    elif not any(f.path == expected.path and f.keyword == expected.keyword for f in found):
        actual = "; ".join(f"{f.keyword} at {f.path or '/'}" for f in found[:3])
        message = (
            f"{name} should fail {expected.keyword} at {expected.path or '/'} but fails {actual}"
        )
        yield violation(expected.path, "expected-failure", message)


def _policy_violations(
    event_type: EventType,
    catalogue: Catalogue,
    validators: SchemaValidators,
    upcasters: Upcasters,
) -> tuple[list[CatalogueViolation], list[BridgedChange]]:
    """Version pairs against the policy; upcasters may bridge what it forbids."""
    name = event_type.name
    resolved = {n: dereference(v.schema, catalogue.defs) for n, v in event_type.versions.items()}
    proofs = {
        (older, newer): upcast_failures(event_type, older, newer, validators, upcasters)
        for older in resolved
        for newer in resolved
        if older < newer and not missing_steps(name, older, newer, upcasters)
    }
    violations = [
        CatalogueViolation(name, pair, failure.path, "upcast", failure.message)
        for pair, failures in proofs.items()
        for failure in failures
    ]
    bridged = []
    for older, newer, path, rule, message in _forbidden_changes(event_type, resolved):
        if proofs.get((older, newer)) == []:
            bridged.append(BridgedChange(name, older, newer, message))
        else:
            violations.append(CatalogueViolation(name, (older, newer), path, rule, message))
    return violations, bridged


def _forbidden_changes(
    event_type: EventType, resolved: Mapping[int, Mapping[str, Any]]
) -> Iterator[tuple[int, int, str, str, str]]:
    """(older, newer, schema path, rule, message) for each change the policy forbids."""
    policy = event_type.compatibility
    for found in check_policy(policy, resolved):
        rule = f"{policy.value} ({found.direction})"
        path = found.change.path.removeprefix("#")  # one pointer style in every violation
        yield found.older, found.newer, path, rule, found.message(event_type.name)
    # Formats are assertions here; Confluent's rules (check_policy) ignore them.
    numbers = sorted(resolved)
    for index, newer in enumerate(numbers):
        for older in numbers[:index] if policy.transitive else numbers[max(index - 1, 0) : index]:
            for change in format_changes(resolved[older], resolved[newer]):
                for direction in set(change.breaks) & set(policy.directions):
                    versions = f"v{newer}" if newer - older == 1 else f"v{older}→v{newer}"
                    message = (
                        f"{event_type.name} {versions}: {change.description}; "
                        f"{direction} forbids a changed format"
                    )
                    yield older, newer, change.path, f"{policy.value} ({direction})", message
