"""`hub schemas impact`: which consumers and routes a proposed schema version would break."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.contract.conftest import REPOSITORY, Hub

pytestmark = pytest.mark.contract

FINAL_V2 = REPOSITORY / "schemas" / "judgment.final" / "v2.schema.json"


def _candidate(folder: Path, name: str, drop: str | None = None, version: int = 3) -> Path:
    schema = json.loads(FINAL_V2.read_text(encoding="utf-8"))
    schema["$id"] = f"urn:no:justice:schema:judgment.final:{version}"
    if drop is not None:
        del schema["properties"][drop]
        schema["required"].remove(drop)
    path = folder / name
    path.write_text(json.dumps(schema, indent=2), encoding="utf-8")
    return path


def test_a_version_without_convictions_breaks_koda_and_both_routes(
    hub: Hub, tmp_path: Path
) -> None:
    candidate = _candidate(tmp_path, "v3.schema.json", drop="convictions")

    code, report = hub("schemas", "impact", "judgment.final", "--candidate", str(candidate))

    assert code == 1
    assert (report["version"], report["becomes_canonical"]) == (3, True)
    koda = {(f["check"], f["path"]) for f in report["consumers"]["koda"]}
    assert ("schema", "/convictions/*/provision") in koda
    assert ("contract", "") in koda  # KODA accepts v2 only: it must accept v3 first
    assert {(r["recipient"], r["field"]) for r in report["routes"]} == {
        ("koda", "convictions"),
        ("police", "convictions"),
    }
    assert any("removed" in f["message"] for f in report["catalogue"])


def test_a_new_version_that_changes_nothing_still_needs_every_consumer_to_accept_it(
    hub: Hub, tmp_path: Path
) -> None:
    candidate = _candidate(tmp_path, "v3.schema.json")

    code, report = hub("schemas", "impact", "judgment.final", "--candidate", str(candidate))

    assert code == 1
    assert sorted(report["consumers"]) == ["koda", "police"]
    assert all(f["check"] == "contract" for fs in report["consumers"].values() for f in fs)
    assert report["routes"] == []
    # What the courts send today (v2) the hub could no longer bring to v3.
    assert {f["message"] for f in report["providers"]["courts"]} == {
        "the hub cannot bring it to the canonical version: "
        "judgment.final: no upcaster from v2 to v3 in hub.catalogue.upcasters"
    }


def test_the_current_version_proposed_again_breaks_nothing(hub: Hub, tmp_path: Path) -> None:
    folder = tmp_path / "proposal"
    shutil.copytree(FINAL_V2.parent, folder)  # the schema with its examples beside it

    code, report = hub(
        "schemas", "impact", "judgment.final", "--candidate", str(folder / "v2.schema.json")
    )

    assert (code, report["ok"], report["consumers"], report["routes"]) == (0, True, {}, [])
    assert report["providers"] == {}
    assert report["notes"] == []


def test_an_older_version_changed_breaks_no_route(hub: Hub, tmp_path: Path) -> None:
    candidate = _candidate(tmp_path, "v1.schema.json", drop="convictions", version=1)

    _, report = hub("schemas", "impact", "judgment.final", "--candidate", str(candidate))

    assert report["becomes_canonical"] is False
    assert report["routes"] == []


def test_an_unknown_type_is_an_error(hub: Hub, tmp_path: Path) -> None:
    candidate = _candidate(tmp_path, "v3.schema.json")

    code, report = hub("schemas", "impact", "judgment.overturned", "--candidate", str(candidate))

    assert code == 1
    assert report["error"] == "unknown event type 'judgment.overturned'"


def test_a_case_registration_without_the_suspect_breaks_the_hub_itself_and_the_courts(
    hub: Hub, tmp_path: Path
) -> None:
    schema = json.loads((REPOSITORY / "schemas" / "case.registered" / "v2.schema.json").read_text())
    schema["$id"] = "urn:no:justice:schema:case.registered:3"
    schema["properties"]["accused"] = schema["properties"].pop("suspect")
    schema["required"] = ["accused" if name == "suspect" else name for name in schema["required"]]
    candidate = tmp_path / "v3.schema.json"
    candidate.write_text(json.dumps(schema), encoding="utf-8")

    code, report = hub("schemas", "impact", "case.registered", "--candidate", str(candidate))

    assert code == 1
    read = {
        (consumer, f["path"])
        for consumer, found in report["consumers"].items()
        for f in found
        if f["check"] == "schema"
    }
    # The registry's suspect is what KODA's judgment.final is enriched with.
    assert read == {("hub", "/suspect"), ("courts", "/suspect/nationalIdentityNumber")}
