"""The event catalogue as the hub loads it from `schemas/` (see schemas/README.md).

`load_catalogue` reads every type folder once and returns immutable values: a
`Catalogue` of `EventType`s, each with its `SchemaVersion`s and their examples.
A file that cannot be read, is not JSON or has the wrong shape stops the load
with a `CatalogueError` that names the file (and line and column for JSON
syntax), so a broken contract is found at start-up, not on the first event.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

from hub.catalogue.bundle import DEFS_ID, bundle
from hub.catalogue.compatibility import CompatibilityPolicy

PRODUCERS = frozenset({"police", "courts", "koda", "hub"})
DEFAULT_POLICY = CompatibilityPolicy.BACKWARD_TRANSITIVE
SCHEMA_ID_PREFIX = "urn:no:justice:schema:"
_SCHEMA_FILE = re.compile(r"v([1-9][0-9]*)\.schema\.json")
EXPECTED_FAILURES_FILE = "expected-failures.json"
_T = TypeVar("_T")


class CatalogueError(Exception):
    """A catalogue file is unreadable or malformed; names the file and position."""

    def __init__(
        self, path: Path, problem: str, line: int | None = None, column: int | None = None
    ):
        where = str(path) if line is None else f"{path}:{line}:{column}"
        super().__init__(f"{where}: {problem}")
        self.path, self.problem, self.line, self.column = path, problem, line, column


@dataclass(frozen=True)
class ExpectedFailure:
    """Where and why an invalid example must fail (from expected-failures.json)."""

    path: str
    keyword: str
    reason: str


@dataclass(frozen=True)
class Example:
    """One example event: its file, its data and whether it is labelled valid."""

    path: Path
    data: Any
    valid: bool
    expected_failure: ExpectedFailure | None = None

    @property
    def name(self) -> str:
        return self.path.name


@dataclass(frozen=True)
class SchemaVersion:
    """One major version of one event type: the schema file and its examples."""

    type_name: str
    version: int
    path: Path
    schema: Mapping[str, Any]
    bundled: Mapping[str, Any]
    examples: tuple[Example, ...]
    # Names in expected-failures.json that match no invalid example file.
    unmatched_expectations: tuple[str, ...] = ()

    @property
    def schema_id(self) -> str:
        """The `$id` this version must have, also its CloudEvents `dataschema`."""
        return f"{SCHEMA_ID_PREFIX}{self.type_name}:{self.version}"

    @property
    def valid_examples(self) -> tuple[Example, ...]:
        return tuple(example for example in self.examples if example.valid)

    @property
    def invalid_examples(self) -> tuple[Example, ...]:
        return tuple(example for example in self.examples if not example.valid)


@dataclass(frozen=True)
class EventType:
    """An event type (`judgment.final`): who produces it and all its versions."""

    name: str
    summary: str
    producers: tuple[str, ...]
    compatibility: CompatibilityPolicy
    versions: Mapping[int, SchemaVersion]
    meta_path: Path

    @property
    def canonical_version(self) -> int:
        """The newest version: the one the hub gives every consumer."""
        return max(self.versions)

    @property
    def ce_type(self) -> str:
        return f"no.justice.{self.name}"


@dataclass(frozen=True)
class Catalogue:
    """Every event type of a catalogue folder, and the shared definitions."""

    root: Path
    types: Mapping[str, EventType]
    defs: Mapping[str, Any]

    def schema_version(self, type_name: str, version: int) -> SchemaVersion:
        """The version, or KeyError when the type or the version is unknown."""
        return self.types[type_name].versions[version]

    @property
    def defs_path(self) -> Path:
        return self.root / "_defs" / "v1.schema.json"


def default_schemas_dir() -> Path:
    """`HUB_SCHEMAS_DIR`, else the repository's `schemas/`, else the installed copy."""
    configured = os.environ.get("HUB_SCHEMAS_DIR")
    if configured:
        return Path(configured)
    package = Path(__file__).resolve().parent.parent
    beside = package.parent / "schemas"
    return beside if beside.is_dir() else package / "_data" / "schemas"


def read_json(path: Path) -> Any:
    """Parse a JSON file; CatalogueError with line and column on a syntax error."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CatalogueError(path, f"cannot be read: {error}") from error
    try:
        return json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except json.JSONDecodeError as error:
        raise CatalogueError(
            path, f"invalid JSON: {error.msg}", error.lineno, error.colno
        ) from None
    except _DuplicateKeyError as error:
        raise CatalogueError(path, f"duplicate key {error.args[0]!r}") from None


class _DuplicateKeyError(ValueError):
    pass


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKeyError(key)
        result[key] = value
    return result


def read_object(path: Path) -> dict[str, Any]:
    data = read_json(path)
    if not isinstance(data, dict):
        raise CatalogueError(path, f"must hold a JSON object, not {type(data).__name__}")
    return data


def load_catalogue(root: Path) -> Catalogue:
    """Load every type folder under `root`; raises CatalogueError on a bad file."""
    root = Path(root)
    if not root.is_dir():
        raise CatalogueError(root, "is not a catalogue folder")
    defs_path = root / "_defs" / "v1.schema.json"
    defs = read_object(defs_path)
    if defs.get("$id") != DEFS_ID:
        raise CatalogueError(defs_path, f"$id must be {DEFS_ID!r}")
    types = {}
    for folder in sorted(root.iterdir()):
        if _is_type_folder(folder):
            event_type = _load_event_type(folder, defs)
            types[event_type.name] = event_type
    return Catalogue(root=root, types=MappingProxyType(types), defs=defs)


def _is_type_folder(folder: Path) -> bool:
    """Folders starting with `_` or `.` hold no type; others need a meta.json."""
    if not folder.is_dir() or folder.name.startswith(("_", ".")):
        return False
    if (folder / "meta.json").is_file():
        return True
    if any(_SCHEMA_FILE.fullmatch(child.name) for child in folder.iterdir()):
        raise CatalogueError(folder / "meta.json", "is missing: every type folder needs one")
    return False


def _load_event_type(folder: Path, defs: Mapping[str, Any]) -> EventType:
    meta_path = folder / "meta.json"
    meta = read_object(meta_path)
    name = _meta_field(meta_path, meta, "type", str)
    if name != folder.name:
        problem = f"type {name!r} differs from its folder {folder.name!r}"
        raise _meta_error(meta_path, "type", problem)
    producers = _meta_field(meta_path, meta, "producers", list)
    unknown = [p for p in producers if p not in PRODUCERS]
    if unknown or not producers:
        known = ", ".join(sorted(PRODUCERS))
        raise _meta_error(meta_path, "producers", f"producers {unknown or '[]'} not among: {known}")
    versions = {}
    for schema_path in sorted(folder.glob("v*.schema.json")):
        match = _SCHEMA_FILE.fullmatch(schema_path.name)
        if match is None:
            raise CatalogueError(schema_path, "schema files are named v<N>.schema.json")
        version = int(match[1])
        versions[version] = _load_version(name, version, schema_path, defs)
    if not versions:
        raise CatalogueError(folder, "has no v<N>.schema.json")
    return EventType(
        name=name,
        summary=_meta_field(meta_path, meta, "summary", str),
        producers=tuple(producers),
        compatibility=_policy(meta_path, meta),
        versions=MappingProxyType(dict(sorted(versions.items()))),
        meta_path=meta_path,
    )


def _meta_field(path: Path, meta: Mapping[str, Any], key: str, kind: type[_T]) -> _T:
    value = meta.get(key)
    if not isinstance(value, kind):
        raise _meta_error(path, key, f"{key!r} must be a {kind.__name__}")
    return value


def _meta_error(path: Path, key: str, problem: str) -> CatalogueError:
    """An error in meta.json pointing at the line of `key`, when the file has it."""
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        if (column := line.find(f'"{key}"')) >= 0:
            return CatalogueError(path, problem, number, column + 1)
    return CatalogueError(path, problem)


def _policy(path: Path, meta: Mapping[str, Any]) -> CompatibilityPolicy:
    value = meta.get("compatibility", DEFAULT_POLICY.value)
    try:
        return CompatibilityPolicy(value)
    except ValueError:
        known = ", ".join(policy.value for policy in CompatibilityPolicy)
        problem = f"unknown compatibility {value!r}; use one of {known}"
        raise _meta_error(path, "compatibility", problem) from None


def _load_version(
    type_name: str, version: int, path: Path, defs: Mapping[str, Any]
) -> SchemaVersion:
    schema = read_object(path)
    try:
        bundled = bundle(schema, defs)
    except LookupError as error:
        raise CatalogueError(path, str(error)) from None
    examples, unmatched = _load_examples(path.parent / "examples" / f"v{version}")
    return SchemaVersion(type_name, version, path, schema, bundled, examples, unmatched)


def _load_examples(folder: Path) -> tuple[tuple[Example, ...], tuple[str, ...]]:
    expectations_path = folder / EXPECTED_FAILURES_FILE
    expectations = _expected_failures(expectations_path) if expectations_path.is_file() else {}
    examples = [
        Example(path, read_json(path), True) for path in sorted(folder.glob("valid-*.json"))
    ]
    for path in sorted(folder.glob("invalid-*.json")):
        expected = expectations.pop(path.name, None) or expectations.pop(path.stem, None)
        examples.append(Example(path, read_json(path), False, expected))
    return tuple(examples), tuple(sorted(expectations))


def _expected_failures(path: Path) -> dict[str, ExpectedFailure]:
    result = {}
    for name, entry in read_object(path).items():
        fields = entry if isinstance(entry, dict) else {}
        pointer, keyword, reason = (fields.get(key) for key in ("path", "keyword", "reason"))
        if not (isinstance(pointer, str) and isinstance(keyword, str) and isinstance(reason, str)):
            raise CatalogueError(path, f"{name!r} needs string fields path, keyword and reason")
        result[name] = ExpectedFailure(pointer, keyword, reason)
    return result
