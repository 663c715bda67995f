"""`hub schemas ...` as a connector team or partner CI runs it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from hub.catalogue.catalogue import default_schemas_dir, load_catalogue
from hub.cli import main

pytestmark = pytest.mark.e2e
CATALOGUE = load_catalogue(default_schemas_dir())


def _hub(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _json(result: Result) -> Any:
    return json.loads(result.stdout)


def test_check_json_passes_and_lists_every_type_and_version() -> None:
    result = _hub("schemas", "check", "--json")
    assert result.exit_code == 0, result.stdout
    report = _json(result)
    assert report["ok"] is True
    assert report["violations"] == []
    listed = {t["type"]: [v["version"] for v in t["versions"]] for t in report["types"]}
    assert listed == {name: list(t.versions) for name, t in CATALOGUE.types.items()}


def test_check_for_people_prints_a_line_per_type() -> None:
    result = _hub("schemas", "check")
    assert result.exit_code == 0
    for name in CATALOGUE.types:
        assert f"ok {name}: v1" in result.stdout
    assert "catalogue ok" in result.stdout


def test_list_json_names_versions_canonical_producers_and_policy() -> None:
    types = {t["type"]: t for t in _json(_hub("schemas", "list", "--json"))["types"]}
    final = types["judgment.final"]
    assert final["versions"] == [1, 2]
    assert final["canonical_version"] == 2
    assert final["producers"] == ["courts"]
    assert final["compatibility"] == "BACKWARD_TRANSITIVE"
    assert set(types) == set(CATALOGUE.types)


def test_show_json_prints_the_canonical_schema_itself() -> None:
    schema = _json(_hub("schemas", "show", "judgment.final", "--json"))
    assert schema["$id"] == "urn:no:justice:schema:judgment.final:2"
    older = _json(_hub("schemas", "show", "judgment.final", "--version", "1", "--json"))
    assert older["$id"] == "urn:no:justice:schema:judgment.final:1"


def test_show_bundled_needs_no_reference_resolution() -> None:
    text = _hub("schemas", "show", "case.registered", "--bundled", "--json").stdout
    assert "urn:no:justice:schema:defs:1#" not in text
    assert json.loads(text)["$defs"]


def test_show_for_people_lists_the_fields() -> None:
    result = _hub("schemas", "show", "judgment.final")
    assert result.exit_code == 0
    assert "urn:no:justice:schema:judgment.final:2" in result.stdout
    assert "caseId" in result.stdout


def test_show_an_unknown_type_or_version_fails_clearly() -> None:
    unknown = _hub("schemas", "show", "judgment.overturned")
    assert unknown.exit_code == 1
    assert "unknown event type 'judgment.overturned'" in unknown.stderr
    missing = _hub("schemas", "show", "judgment.final", "--version", "7")
    assert missing.exit_code == 1
    assert "judgment.final has no version 7" in missing.stderr


def test_check_on_a_broken_copy_exits_1_and_says_why(tmp_path: Path) -> None:
    copy = Path(shutil.copytree(default_schemas_dir(), tmp_path / "proposed"))
    folder = copy / "judgment.final"
    schema = json.loads((folder / "v2.schema.json").read_text(encoding="utf-8"))
    schema["$id"] = "urn:no:justice:schema:judgment.final:3"
    schema["properties"]["appealDeadline"] = {
        "title": "Appeal deadline (ankefrist)",
        "description": "Last day to appeal.",
        "type": "string",
        "format": "date",
    }
    schema["required"].append("appealDeadline")
    (folder / "v3.schema.json").write_text(json.dumps(schema), encoding="utf-8")

    result = _hub("schemas", "check", "--schemas", str(copy), "--json")
    assert result.exit_code == 1
    report = _json(result)
    assert report["ok"] is False
    messages = [v["message"] for v in report["violations"] if v["type"] == "judgment.final"]
    assert any("judgment.final v3: property appealDeadline" in m for m in messages), messages

    readable = _hub("schemas", "check", "--schemas", str(copy))
    assert readable.exit_code == 1
    assert "catalogue has violations" in readable.stdout


def test_check_on_a_file_that_is_not_json_names_file_and_line(tmp_path: Path) -> None:
    copy = Path(shutil.copytree(default_schemas_dir(), tmp_path / "proposed"))
    (copy / "judgment.final" / "meta.json").write_text('{\n  "type": \n}\n', encoding="utf-8")
    result = _hub("schemas", "check", "--schemas", str(copy), "--json")
    assert result.exit_code == 1
    (violation,) = _json(result)["violations"]
    assert "judgment.final/meta.json:3:1: invalid JSON" in violation["message"]


def test_models_check_finds_no_drift() -> None:
    result = _hub("schemas", "models", "--check", "--json")
    assert result.exit_code == 0, result.stdout
    assert _json(result) == {"drifted": []}
