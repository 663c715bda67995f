"""`check_catalogue`: the repository's catalogue is clean, and breaking changes are caught.

Each kind of breaking change is added as a new version of a type in a copy of
the catalogue and checked under every policy: rejected by the policies whose
direction it breaks (Confluent semantics for closed content models, formats
as assertions), accepted by the others.
"""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hub.catalogue.bundle import DEFS_ID
from hub.catalogue.catalogue import default_schemas_dir
from hub.catalogue.check import CheckReport, check_catalogue
from hub.catalogue.compatibility import CompatibilityPolicy
from hub.catalogue.upcasters import UPCASTERS

SAMPLE = "sample.change"
BACKWARD, FORWARD = "BACKWARD", "FORWARD"


def _property(title: str, **schema: Any) -> dict[str, Any]:
    return {"title": title, "description": f"{title}, for the test.", **schema}


SAMPLE_V1: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": f"urn:no:justice:schema:{SAMPLE}:1",
    "title": "Sample change",
    "description": "A closed model to change version by version.",
    "type": "object",
    "additionalProperties": False,
    "required": ["caseId", "status", "count"],
    "properties": {
        "caseId": _property("Case", **{"$ref": f"{DEFS_ID}#/$defs/caseId"}),
        "status": _property("Status", type="string", enum=["OPEN", "CLOSED", "PENDING"]),
        "count": _property("Count", type="number", minimum=0),
        "decidedOn": _property("Decided on", type="string", format="date"),
        "note": _property("Note", type="string"),
    },
}
VALID = [
    {"caseId": "15434820", "status": "OPEN", "count": 1, "decidedOn": "2025-01-31"},
    {"caseId": "15434821", "status": "CLOSED", "count": 0, "note": "Henlagt."},
    {"caseId": "15434822", "status": "OPEN", "count": 12, "decidedOn": "2024-02-29"},
]
INVALID = {
    "invalid-missing-case.json": ({"status": "OPEN", "count": 1}, "", "required"),
    "invalid-unknown-field.json": (
        {"caseId": "15434820", "status": "OPEN", "count": 1, "colour": "red"},
        "",
        "additionalProperties",
    ),
    "invalid-status.json": (
        {"caseId": "15434820", "status": "LOST", "count": 1},
        "/status",
        "enum",
    ),
}

Change = Callable[[dict[str, Any]], None]


def _new_required(schema: dict[str, Any]) -> None:
    schema["properties"]["court"] = _property("Court", type="string")
    schema["required"].append("court")


def _new_optional(schema: dict[str, Any]) -> None:
    schema["properties"]["court"] = _property("Court", type="string")


def _add_court(data: dict[str, Any]) -> None:
    data["court"] = "TOSL"


def _retime(data: dict[str, Any]) -> None:
    if "decidedOn" in data:
        data["decidedOn"] += "T09:00:00+01:00"


# name: (change to the schema, change to every example, directions it breaks)
CHANGES: dict[str, tuple[Change, Change, set[str]]] = {
    "new required field": (_new_required, _add_court, {BACKWARD, FORWARD}),
    "field removed from closed model": (
        lambda s: s["properties"].pop("note"),
        lambda d: d.pop("note", None),
        {BACKWARD},
    ),
    "narrowed type": (
        lambda s: s["properties"]["count"].update(type="integer"),
        lambda d: None,
        {BACKWARD},
    ),
    "removed enum value": (
        lambda s: s["properties"]["status"]["enum"].remove("PENDING"),
        lambda d: None,
        {BACKWARD},
    ),
    "changed format": (
        lambda s: s["properties"]["decidedOn"].update(format="date-time"),
        _retime,
        {BACKWARD, FORWARD},
    ),
    "new optional field in closed model": (_new_optional, lambda d: None, {FORWARD}),
}


def _write(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")


def _write_version(folder: Path, version: int, schema: dict[str, Any], adapt: Change) -> None:
    schema = {**copy.deepcopy(schema), "$id": f"urn:no:justice:schema:{SAMPLE}:{version}"}
    _write(folder / f"v{version}.schema.json", schema)
    examples = folder / "examples" / f"v{version}"
    for index, data in enumerate(VALID):
        adapted = copy.deepcopy(data)
        adapt(adapted)
        _write(examples / f"valid-{index}.json", adapted)
    expected = {}
    for name, (data, path, keyword) in INVALID.items():
        adapted = copy.deepcopy(data)
        adapt(adapted)
        _write(examples / name, adapted)
        expected[name] = {"path": path, "keyword": keyword, "reason": "test"}
    _write(examples / "expected-failures.json", expected)


@pytest.fixture(scope="module")
def catalogue_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(shutil.copytree(default_schemas_dir(), tmp_path_factory.mktemp("c") / "schemas"))


def _with_sample(root: Path, policy: CompatibilityPolicy, change: Change, adapt: Change) -> None:
    folder = root / SAMPLE
    shutil.rmtree(folder, ignore_errors=True)
    meta = {"type": SAMPLE, "summary": "Test.", "producers": ["police"], "compatibility": policy}
    _write(folder / "meta.json", meta)
    _write_version(folder, 1, SAMPLE_V1, lambda data: None)
    newer = copy.deepcopy(SAMPLE_V1)
    change(newer)
    _write_version(folder, 2, newer, adapt)


def _sample_violations(report: CheckReport) -> list[str]:
    return [v.message for v in report.violations if v.type_name == SAMPLE]


def test_the_repository_catalogue_checks_clean() -> None:
    report = check_catalogue(default_schemas_dir())
    assert report.ok, "\n".join(f"{v.type_name} {v.rule} {v.message}" for v in report.violations)
    assert report.types


@pytest.mark.parametrize("policy", list(CompatibilityPolicy))
@pytest.mark.parametrize("change_name", list(CHANGES))
def test_each_change_is_rejected_exactly_by_the_policies_that_forbid_it(
    catalogue_copy: Path, change_name: str, policy: CompatibilityPolicy
) -> None:
    change, adapt, breaks = CHANGES[change_name]
    _with_sample(catalogue_copy, policy, change, adapt)
    found = _sample_violations(check_catalogue(catalogue_copy))
    forbidden = breaks & set(policy.directions)
    if forbidden:
        assert found, f"{change_name} passed under {policy}"
        assert all(message.startswith(f"{SAMPLE} v2: ") for message in found)
        assert any(f"{direction} forbids" in m for direction in forbidden for m in found)
    else:
        assert found == [], f"{change_name} rejected under {policy}"


def test_a_breaking_change_is_bridged_by_an_upcaster_that_keeps_examples_valid(
    catalogue_copy: Path,
) -> None:
    _with_sample(catalogue_copy, CompatibilityPolicy.BACKWARD, _new_required, _add_court)

    def add_court(data: dict[str, Any]) -> dict[str, Any]:
        return {**data, "court": "TOSL"}

    report = check_catalogue(catalogue_copy, {**UPCASTERS, (SAMPLE, 1): add_court})
    assert _sample_violations(report) == []
    assert any(b.type_name == SAMPLE and "court" in b.message for b in report.bridged)


def test_an_upcaster_that_leaves_an_example_invalid_is_named(catalogue_copy: Path) -> None:
    _with_sample(catalogue_copy, CompatibilityPolicy.BACKWARD, _new_required, _add_court)
    report = check_catalogue(catalogue_copy, {**UPCASTERS, (SAMPLE, 1): dict})
    (upcast, *_) = [v for v in report.violations if v.rule == "upcast"]
    assert upcast.versions == (1, 2)
    assert "valid-0.json upcast from v1 to v2 is invalid" in upcast.message


def test_a_new_required_field_in_judgment_final_is_rejected(catalogue_copy: Path) -> None:
    folder = catalogue_copy / "judgment.final"
    schema = json.loads((folder / "v2.schema.json").read_text(encoding="utf-8"))
    schema["$id"] = "urn:no:justice:schema:judgment.final:3"
    schema["properties"]["appealDeadline"] = _property("Appeal deadline", type="string")
    schema["required"].append("appealDeadline")
    _write(folder / "v3.schema.json", schema)
    try:
        report = check_catalogue(catalogue_copy)
    finally:
        (folder / "v3.schema.json").unlink()
    messages = [v.message for v in report.violations if v.versions == (2, 3)]
    assert any(
        m.startswith("judgment.final v3: property appealDeadline")
        and "BACKWARD forbids a new required property" in m
        for m in messages
    ), messages
    assert not report.ok


def test_a_mislabelled_example_is_reported(catalogue_copy: Path) -> None:
    examples = catalogue_copy / "judgment.final" / "examples" / "v2"
    valid = sorted(examples.glob("valid-*.json"))[0]
    mislabelled = examples / valid.name.replace("valid-", "invalid-")
    shutil.copy(valid, mislabelled)
    try:
        report = check_catalogue(catalogue_copy)
    finally:
        mislabelled.unlink()
    (violation,) = [v for v in report.violations if v.type_name == "judgment.final"]
    assert violation.rule == "invalid-example"
    assert f"{mislabelled.name} is labelled invalid but validates" in violation.message


def test_an_invalid_example_failing_elsewhere_than_expected_is_reported(
    catalogue_copy: Path,
) -> None:
    _with_sample(catalogue_copy, CompatibilityPolicy.NONE, lambda s: None, lambda d: None)
    sidecar = catalogue_copy / SAMPLE / "examples" / "v1" / "expected-failures.json"
    expected = json.loads(sidecar.read_text(encoding="utf-8"))
    expected["invalid-status.json"]["keyword"] = "pattern"
    _write(sidecar, expected)
    (violation,) = [v for v in check_catalogue(catalogue_copy).violations if v.versions == (1,)]
    assert violation.rule == "expected-failure"
    assert "should fail pattern at /status but fails enum at /status" in violation.message


def test_a_broken_file_is_one_violation_naming_it(catalogue_copy: Path) -> None:
    _with_sample(catalogue_copy, CompatibilityPolicy.NONE, lambda s: None, lambda d: None)
    (catalogue_copy / SAMPLE / "meta.json").write_text("{", encoding="utf-8")
    report = check_catalogue(catalogue_copy)
    (violation,) = report.violations
    assert (violation.type_name, violation.rule) == (SAMPLE, "load")
    assert "meta.json:1:2: invalid JSON" in violation.message


def test_schema_rules_are_reported_with_their_location(catalogue_copy: Path) -> None:
    broken = copy.deepcopy(SAMPLE_V1)
    del broken["properties"]["note"]["title"]
    broken["properties"]["count"]["format"] = "currency"
    broken["properties"]["status"]["type"] = "text"

    def change(schema: dict[str, Any]) -> None:
        schema.clear()
        schema.update(broken)

    _with_sample(catalogue_copy, CompatibilityPolicy.NONE, change, lambda d: None)
    v1 = copy.deepcopy(broken)
    v1["$id"] = "urn:no:justice:schema:other:1"
    _write(catalogue_copy / SAMPLE / "v1.schema.json", v1)
    found = {(v.versions, v.rule, v.path) for v in check_catalogue(catalogue_copy).violations}
    assert ((1,), "schema-id", "/$id") in found
    assert ((1,), "meta-schema", "/properties/status/type") in found
    assert ((2,), "meta-schema", "/properties/status/type") in found


def test_documentation_and_formats_are_checked(catalogue_copy: Path) -> None:
    def change(schema: dict[str, Any]) -> None:
        del schema["properties"]["note"]["title"]
        schema["properties"]["count"]["format"] = "currency"

    _with_sample(catalogue_copy, CompatibilityPolicy.NONE, change, lambda d: None)
    found = {(v.rule, v.path) for v in check_catalogue(catalogue_copy).violations}
    assert found == {("documentation", "/properties/note"), ("format", "/properties/count/format")}
