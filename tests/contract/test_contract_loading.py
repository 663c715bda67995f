"""Loading contracts: every mistake stops the load with the file and the line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hub.contracts.contract import ContractError, load_contract, load_contracts

pytestmark = pytest.mark.contract

VALID = """\
consumer: police
receives:
  leave.ended:
    versions: [1]
    reads:
      - /outcome
      - {path: /escapeId, if_present: true}
"""


def _contract(tmp_path: Path, text: str, folder: str = "police") -> Path:
    (tmp_path / folder).mkdir(exist_ok=True)
    (tmp_path / folder / "contract.yaml").write_text(text, encoding="utf-8")
    return tmp_path / folder


def _example(contract: Path, relative: str, data: object) -> None:
    path = contract / "examples" / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")


def test_a_valid_contract_loads_with_its_reads_and_examples(tmp_path: Path) -> None:
    folder = _contract(tmp_path, VALID)
    _example(folder, "leave.ended/v1/returned.json", {"caseId": "25000001", "outcome": "X"})

    contract = load_contracts(tmp_path)["police"]

    leave = contract.receives["leave.ended"]
    assert leave.versions == (1,)
    assert [(r.pointer, r.if_present, r.line) for r in leave.reads] == [
        ("/outcome", False, 6),
        ("/escapeId", True, 7),
    ]
    assert [e.name for e in leave.examples] == ["returned.json"]


def test_an_unknown_key_names_the_file_and_line(tmp_path: Path) -> None:
    folder = _contract(
        tmp_path, VALID.replace("    versions: [1]\n", "    versions: [1]\n    fields: []\n")
    )

    with pytest.raises(ContractError) as caught:
        load_contract(folder)

    assert str(caught.value).startswith(f"{folder / 'contract.yaml'}:5: receives/leave.ended:")
    assert "'fields' was unexpected" in str(caught.value)


def test_a_path_that_is_not_a_json_pointer_names_its_line(tmp_path: Path) -> None:
    folder = _contract(tmp_path, VALID.replace("      - /outcome\n", "      - outcome\n"))

    with pytest.raises(ContractError) as caught:
        load_contract(folder)

    assert caught.value.line == 6
    assert "receives/leave.ended/reads/0" in caught.value.problem


def test_an_empty_pointer_segment_is_refused(tmp_path: Path) -> None:
    folder = _contract(tmp_path, VALID.replace("      - /outcome\n", "      - /window//from\n"))

    with pytest.raises(ContractError) as caught:
        load_contract(folder)

    assert caught.value.line == 6


def test_a_contract_in_another_consumers_folder_is_refused(tmp_path: Path) -> None:
    folder = _contract(tmp_path, VALID, folder="courts")

    with pytest.raises(ContractError) as caught:
        load_contract(folder)

    assert caught.value.line == 1
    assert "differs from its folder 'courts'" in caught.value.problem


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    folder = _contract(tmp_path, VALID + "  judgment.final: [\n")

    with pytest.raises(ContractError) as caught:
        load_contract(folder)

    assert caught.value.line is not None and caught.value.line >= 8
    assert "not valid YAML" in caught.value.problem


def test_a_duplicate_key_is_refused(tmp_path: Path) -> None:
    folder = _contract(tmp_path, VALID + "  leave.ended:\n    versions: [1]\n    reads: []\n")

    with pytest.raises(ContractError) as caught:
        load_contract(folder)

    assert caught.value.line == 8
    assert "'leave.ended' appears twice" in caught.value.problem


def test_an_example_of_a_version_the_contract_does_not_accept_is_refused(tmp_path: Path) -> None:
    folder = _contract(tmp_path, VALID)
    _example(folder, "leave.ended/v2/later.json", {"caseId": "25000001"})

    with pytest.raises(
        ContractError, match=r"later\.json: example for v2, but leave\.ended accepts \[1\]"
    ):
        load_contract(folder)


def test_an_example_outside_the_type_and_version_folders_is_refused(tmp_path: Path) -> None:
    folder = _contract(tmp_path, VALID)
    _example(folder, "returned.json", {"caseId": "25000001"})

    with pytest.raises(ContractError, match=r"examples go in examples/<type>/v<N>/<name>\.json"):
        load_contract(folder)


def test_an_example_of_a_type_not_received_is_refused(tmp_path: Path) -> None:
    folder = _contract(tmp_path, VALID)
    _example(folder, "leave.started/v1/started.json", {"caseId": "25000001"})

    with pytest.raises(ContractError, match=r"an example of leave\.started, which the contract"):
        load_contract(folder)


def test_a_broken_example_names_its_line(tmp_path: Path) -> None:
    folder = _contract(tmp_path, VALID)
    path = folder / "examples" / "leave.ended" / "v1" / "broken.json"
    path.parent.mkdir(parents=True)
    path.write_text('{\n  "caseId": "25000001",\n}\n', encoding="utf-8")

    with pytest.raises(ContractError) as caught:
        load_contract(folder)

    assert (caught.value.path, caught.value.line) == (path, 3)


def test_the_repository_contracts_load() -> None:
    contracts = load_contracts(Path(__file__).resolve().parents[2] / "contracts")

    assert sorted(contracts) == ["courts", "hub", "koda", "police"]
