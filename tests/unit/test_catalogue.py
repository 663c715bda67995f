"""Loading the catalogue: its shape, its derived schemas, and its errors.

A broken contract file must stop the hub at start-up with an error naming the
file (and, for JSON syntax, the line and column), never on the first event.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from hub.catalogue.bundle import DEFS_ID, bundle, dereference, references
from hub.catalogue.catalogue import CatalogueError, default_schemas_dir, load_catalogue
from hub.catalogue.formats import is_date, is_date_time, is_email, is_national_identity_number
from hub.catalogue.upcast import MissingUpcasterError, to_canonical, upcast
from hub.catalogue.validation import SchemaValidators

DIALECT = "https://json-schema.org/draft/2020-12/schema"
DEFS = {
    "$schema": DIALECT,
    "$id": DEFS_ID,
    "title": "Shared definitions",
    "description": "Shapes shared by every event type.",
    "$defs": {
        "caseId": {"title": "Case id", "description": "Case number.", "type": "string"},
        "nationalIdentityNumber": {
            "title": "National identity number",
            "description": "Fødselsnummer.",
            "type": "string",
            "format": "national-identity-number",
            "x-pii": True,
        },
        "person": {
            "title": "Person",
            "description": "A person.",
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "nationalIdentityNumber": {
                    "$ref": f"{DEFS_ID}#/$defs/nationalIdentityNumber",
                    "title": "Identity",
                    "description": "Who.",
                }
            },
        },
    },
}


def _write(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = data if isinstance(data, str) else json.dumps(data, indent=2, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
    return path


def _schema(type_name: str, version: int) -> dict[str, Any]:
    return {
        "$schema": DIALECT,
        "$id": f"urn:no:justice:schema:{type_name}:{version}",
        "title": "Sample",
        "description": "A sample event.",
        "type": "object",
        "additionalProperties": False,
        "required": ["caseId"],
        "properties": {
            "caseId": {"$ref": f"{DEFS_ID}#/$defs/caseId", "description": "The case."},
            "suspect": {"$ref": f"{DEFS_ID}#/$defs/person", "x-pii": True},
        },
    }


@pytest.fixture
def small_catalogue(tmp_path: Path) -> Path:
    """One type, `sample.event` v1, beside the shared definitions."""
    root = tmp_path / "schemas"
    _write(root / "_defs" / "v1.schema.json", DEFS)
    meta = {"type": "sample.event", "summary": "A sample.", "producers": ["police"]}
    _write(root / "sample.event" / "meta.json", meta)
    _write(root / "sample.event" / "v1.schema.json", _schema("sample.event", 1))
    examples = root / "sample.event" / "examples" / "v1"
    _write(examples / "valid-minimal.json", {"caseId": "15434820"})
    _write(examples / "invalid-no-case.json", {})
    _write(
        examples / "expected-failures.json",
        {"invalid-no-case.json": {"path": "", "keyword": "required", "reason": "no case"}},
    )
    return root


def test_a_small_catalogue_loads_with_types_versions_and_examples(small_catalogue: Path) -> None:
    catalogue = load_catalogue(small_catalogue)
    event_type = catalogue.types["sample.event"]
    assert event_type.producers == ("police",)
    assert event_type.compatibility == "BACKWARD_TRANSITIVE"  # the default
    assert event_type.canonical_version == 1
    version = event_type.versions[1]
    assert version.schema_id == "urn:no:justice:schema:sample.event:1"
    assert [e.name for e in version.valid_examples] == ["valid-minimal.json"]
    (invalid,) = version.invalid_examples
    assert invalid.expected_failure is not None
    assert invalid.expected_failure.keyword == "required"


def test_json_syntax_error_names_the_file_line_and_column(small_catalogue: Path) -> None:
    meta = small_catalogue / "sample.event" / "meta.json"
    meta.write_text('{\n  "type": "sample.event",\n  "summary": "x"\n  "producers": []\n}\n')
    with pytest.raises(CatalogueError) as raised:
        load_catalogue(small_catalogue)
    assert raised.value.path == meta
    assert (raised.value.line, raised.value.column) == (4, 3)
    assert f"{meta}:4:3" in str(raised.value)


def test_a_broken_example_file_is_named(small_catalogue: Path) -> None:
    example = small_catalogue / "sample.event" / "examples" / "v1" / "valid-minimal.json"
    example.write_text('{"caseId": "15434820",}')
    with pytest.raises(CatalogueError, match=re.escape(f"{example}:1:23: invalid JSON")):
        load_catalogue(small_catalogue)


def test_a_duplicate_key_is_an_error_not_a_silent_overwrite(small_catalogue: Path) -> None:
    schema = small_catalogue / "sample.event" / "v1.schema.json"
    schema.write_text('{"title": "a", "title": "b"}')
    with pytest.raises(CatalogueError, match="duplicate key 'title'"):
        load_catalogue(small_catalogue)


@pytest.mark.parametrize(
    ("meta", "problem"),
    [
        (
            {"type": "other.event", "summary": "s", "producers": ["police"]},
            "differs from its folder",
        ),
        ({"type": "sample.event", "summary": "s", "producers": ["tax"]}, "producers ['tax']"),
        ({"type": "sample.event", "producers": ["police"]}, "'summary' must be a str"),
        (
            {"type": "sample.event", "summary": "s", "producers": ["koda"], "compatibility": "LAX"},
            "unknown compatibility 'LAX'",
        ),
        (["not", "an", "object"], "must hold a JSON object"),
    ],
)
def test_a_malformed_meta_json_is_reported_with_its_problem(
    small_catalogue: Path, meta: Any, problem: str
) -> None:
    path = _write(small_catalogue / "sample.event" / "meta.json", meta)
    with pytest.raises(CatalogueError) as raised:
        load_catalogue(small_catalogue)
    assert raised.value.path == path
    assert problem in str(raised.value)


def test_a_bad_meta_field_points_at_its_line(small_catalogue: Path) -> None:
    meta = {"type": "sample.event", "summary": "s", "producers": ["police"], "compatibility": "LAX"}
    path = _write(small_catalogue / "sample.event" / "meta.json", meta)
    with pytest.raises(CatalogueError, match=re.escape(f"{path}:7:3: unknown compatibility")):
        load_catalogue(small_catalogue)


def test_folders_that_are_not_types_are_skipped_or_reported(small_catalogue: Path) -> None:
    (small_catalogue / "_drafts").mkdir()
    (small_catalogue / "notes").mkdir()  # no schema files: not a type, skipped
    assert list(load_catalogue(small_catalogue).types) == ["sample.event"]
    _write(small_catalogue / "orphan.event" / "v1.schema.json", _schema("orphan.event", 1))
    with pytest.raises(CatalogueError, match=r"orphan.event/meta.json: is missing"):
        load_catalogue(small_catalogue)


def test_expected_failures_need_path_keyword_and_reason(small_catalogue: Path) -> None:
    sidecar = small_catalogue / "sample.event" / "examples" / "v1" / "expected-failures.json"
    _write(sidecar, {"invalid-no-case.json": {"path": ""}})
    with pytest.raises(CatalogueError, match="needs string fields path, keyword and reason"):
        load_catalogue(small_catalogue)


def test_a_reference_outside_the_shared_definitions_is_reported(small_catalogue: Path) -> None:
    schema = _schema("sample.event", 1)
    schema["properties"]["caseId"] = {"$ref": "https://example.com/other.json"}
    path = _write(small_catalogue / "sample.event" / "v1.schema.json", schema)
    with pytest.raises(CatalogueError, match=re.escape(f"{path}: cannot resolve $ref")):
        load_catalogue(small_catalogue)


def test_default_schemas_dir_follows_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("HUB_SCHEMAS_DIR", raising=False)
    assert (default_schemas_dir() / "_defs" / "v1.schema.json").is_file()
    monkeypatch.setenv("HUB_SCHEMAS_DIR", str(tmp_path))
    assert default_schemas_dir() == tmp_path


def test_bundled_schema_carries_its_shared_definitions_and_annotations() -> None:
    schema = _schema("sample.event", 1)
    bundled = bundle(schema, DEFS)
    assert all(ref.startswith("#/$defs/") for ref in references(bundled))
    # The person definition refers to the identity number: both come along.
    assert set(bundled["$defs"]) == {"caseId", "person", "nationalIdentityNumber"}
    assert bundled["properties"]["suspect"]["x-pii"] is True
    assert bundled["$id"] == schema["$id"]


def test_dereferenced_schema_has_no_reference_left() -> None:
    resolved = dereference(_schema("sample.event", 1), DEFS)
    assert references(resolved) == []
    identity = resolved["properties"]["suspect"]["properties"]["nationalIdentityNumber"]
    assert identity["format"] == "national-identity-number"
    assert identity["x-pii"] is True
    assert identity["title"] == "Identity"  # the referring site's annotation wins
    assert resolved["properties"]["caseId"]["description"] == "The case."


@pytest.mark.parametrize(
    ("check", "value", "expected"),
    [
        (is_date, "2024-02-29", True),
        (is_date, "2023-02-29", False),
        (is_date, "20240229", False),
        (is_date, 20240229, True),  # not a string: `type` decides
        (is_date_time, "2024-02-29T13:05:00+01:00", True),
        (is_date_time, "2024-02-29t13:05:00.123z", True),
        (is_date_time, "2024-02-29T13:05:00", False),  # an instant needs its offset
        (is_date_time, "2024-02-29T24:00:00Z", False),
        (is_national_identity_number, "17859010067", True),
        (is_national_identity_number, "17859010068", False),
        (is_email, "bistandsadvokat@example.no", True),
        (is_email, "+47 912 34 567", False),
    ],
)
def test_formats_are_asserted(check: Any, value: object, expected: bool) -> None:
    assert check(value) is expected


@pytest.fixture(scope="module")
def repository() -> Any:
    return load_catalogue(default_schemas_dir())


def test_older_versions_are_upcast_to_the_canonical_one(repository: Any) -> None:
    validators = SchemaValidators(repository)
    for event_type in repository.types.values():
        for version in event_type.versions.values():
            for example in version.valid_examples:
                canonical, data = to_canonical(
                    repository, event_type.name, version.version, example.data
                )
                assert canonical == event_type.canonical_version
                assert validators.violation(event_type.name, canonical, data) is None


def test_the_canonical_version_is_passed_through_untouched(repository: Any) -> None:
    example = repository.schema_version("judgment.final", 2).valid_examples[0]
    assert to_canonical(repository, "judgment.final", 2, example.data) == (2, example.data)
    assert to_canonical(repository, "judgment.final", 2, example.data)[1] is example.data


def test_a_missing_upcaster_step_is_a_clear_error() -> None:
    with pytest.raises(
        MissingUpcasterError, match=re.escape("judgment.final: no upcaster from v2 to v3")
    ):
        upcast("judgment.final", 1, 3, {}, {("judgment.final", 1): dict})


def test_the_repository_catalogue_copy_loads_anywhere(tmp_path: Path) -> None:
    copy = shutil.copytree(default_schemas_dir(), tmp_path / "elsewhere")
    assert set(load_catalogue(copy).types) == set(load_catalogue(default_schemas_dir()).types)
