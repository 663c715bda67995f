"""`hub contracts verify`: the issue's "done means", on copies of the data files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from hub.cli import main
from tests.contract.conftest import Hub

pytestmark = pytest.mark.contract


def _about(findings: list[dict[str, Any]], **expected: Any) -> list[dict[str, Any]]:
    return [f for f in findings if all(f[key] == value for key, value in expected.items())]


def _without_police_route_field(routes: Path, type_name: str, field: str) -> None:
    """Drop `field` from police's fields in `type_name`'s route (a narrower projection)."""
    lines = routes.read_text(encoding="utf-8").splitlines(keepends=True)
    start = lines.index(f"  {type_name}:\n")
    at = next(i for i in range(start, len(lines)) if lines[i] == f"          - {field}\n")
    routes.write_text("".join(lines[:at] + lines[at + 1 :]), encoding="utf-8")


def test_the_repository_contracts_hold(hub: Hub) -> None:
    code, report = hub("contracts", "verify")
    assert (code, report["findings"]) == (0, [])
    assert report["checked"]["contracts"] == 4  # police, courts, koda and the hub itself
    assert report["checked"]["samples"] > 100
    assert report["checked"]["examples"] > 20


def test_removing_a_field_police_read_from_a_court_schema_fails_naming_police_and_restoring_passes(
    hub: Hub, schemas_copy: Path
) -> None:
    schema_file = schemas_copy / "judgment.rendered" / "v1.schema.json"
    original = schema_file.read_text(encoding="utf-8")
    schema = json.loads(original)
    del schema["properties"]["verdicts"]
    schema["required"].remove("verdicts")
    schema_file.write_text(json.dumps(schema, indent=2), encoding="utf-8")

    code, report = hub("contracts", "verify", "--schemas", str(schemas_copy))

    assert code == 1
    broken = _about(report["findings"], consumer="police", type="judgment.rendered")
    assert broken == [
        {
            "check": "schema",
            "provider": "courts",
            "consumer": "police",
            "type": "judgment.rendered",
            "version": 1,
            "path": "/verdicts/*/result",
            "message": "consumer reads it: verdicts[].result: the schema has no field verdicts",
        }
    ]

    schema_file.write_text(original, encoding="utf-8")
    code, report = hub("contracts", "verify", "--schemas", str(schemas_copy))
    assert (code, report["findings"]) == (0, [])


def test_a_route_narrowed_so_police_loses_a_field_it_reads_is_caught(
    hub: Hub, routes_copy: Path
) -> None:
    _without_police_route_field(routes_copy, "judgment.rendered", "verdicts")

    code, report = hub("contracts", "verify", "--routes", str(routes_copy))

    assert code == 1
    statically = _about(report["findings"], check="route", consumer="police")
    assert [(f["type"], f["version"], f["path"]) for f in statically] == [
        ("judgment.rendered", 1, "/verdicts/*/result")
    ]
    # And every judgment the courts' builders make arrives without it.
    delivered = _about(report["findings"], check="delivery", consumer="police")
    assert {(f["provider"], f["type"], f["path"]) for f in delivered} == {
        ("courts", "judgment.rendered", "/verdicts")
    }


def test_a_handler_that_reads_a_field_its_contract_omits_is_caught(
    hub: Hub, contracts_copy: Path
) -> None:
    contract = contracts_copy / "police" / "contract.yaml"
    text = contract.read_text(encoding="utf-8")
    contract.write_text(text.replace("      - /trigger/eventType\n", ""), encoding="utf-8")

    code, report = hub("contracts", "verify", "--contracts", str(contracts_copy))

    assert code == 1
    refused = _about(report["findings"], check="handler", consumer="police", type="victim.alert")
    assert refused
    assert all(
        "cut to the contract's reads: KeyError: 'eventType'" in f["message"] for f in refused
    )


def test_a_contract_that_does_not_accept_the_canonical_version_is_caught(
    hub: Hub, contracts_copy: Path
) -> None:
    contract = contracts_copy / "koda" / "contract.yaml"
    text = contract.read_text(encoding="utf-8")
    contract.write_text(text.replace("versions: [2]", "versions: [1]"), encoding="utf-8")
    for example in (contracts_copy / "koda" / "examples" / "judgment.final" / "v2").iterdir():
        example.unlink()

    code, report = hub("contracts", "verify", "--contracts", str(contracts_copy))

    assert code == 1
    assert _about(report["findings"], check="contract", consumer="koda", version=2)[0][
        "message"
    ] == ("the hub delivers v2 (canonical); the contract accepts v1")


def test_consumer_and_provider_narrow_what_is_checked(hub: Hub, routes_copy: Path) -> None:
    _without_police_route_field(routes_copy, "judgment.rendered", "verdicts")

    assert hub("contracts", "verify", "--routes", str(routes_copy), "--consumer", "courts")[0] == 0
    assert hub("contracts", "verify", "--routes", str(routes_copy), "--provider", "koda")[0] == 0
    assert hub("contracts", "verify", "--routes", str(routes_copy), "--provider", "courts")[0] == 1


def test_the_readable_report_is_a_table_naming_who_breaks_whom(routes_copy: Path) -> None:
    _without_police_route_field(routes_copy, "judgment.rendered", "verdicts")

    result = CliRunner().invoke(main, ["contracts", "verify", "--routes", str(routes_copy)])

    assert result.exit_code == 1
    assert "Contract findings" in result.stdout
    assert "/verdicts/*/result" in result.stdout
    assert "contracts broken" in result.stdout


def test_police_following_a_case_from_a_judgment_must_declare_the_verdicts_it_reads(
    hub: Hub, contracts_copy: Path
) -> None:
    contract = contracts_copy / "police" / "contract.yaml"
    text = contract.read_text(encoding="utf-8")
    read = (
        "      - path: /verdicts/*/result\n"
        "        why: any GUILTY verdict means JUDGED, none means ACQUITTED\n"
    )
    assert read in text
    contract.write_text(text.replace(read, ""), encoding="utf-8")

    code, report = hub("contracts", "verify", "--contracts", str(contracts_copy))

    assert code == 1
    refused = _about(report["findings"], check="handler", type="judgment.rendered")
    assert {f["consumer"] for f in refused} == {"police"}
    assert all(f["message"].endswith("KeyError: 'verdicts'") for f in refused)
