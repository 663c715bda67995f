"""The upcasters of hub.catalogue.upcasters, proved against the catalogue.

Every valid example of an older version, upcast, must validate against the
newer version; the upcaster must never change its input.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from hub.catalogue.identity import is_valid_national_identity_number
from hub.catalogue.upcasters import (
    UPCASTERS,
    UpcastError,
    case_registered_v1_to_v2,
    judgment_final_v1_to_v2,
    parse_penal_code_section,
)

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
FINAL_V1 = SCHEMAS / "judgment.final" / "examples" / "v1"


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _validator(type_name: str, version: int) -> Draft202012Validator:
    defs = _load(SCHEMAS / "_defs" / "v1.schema.json")
    schema = _load(SCHEMAS / type_name / f"v{version}.schema.json")
    registry: Registry[Any] = Registry().with_resources(
        [
            (defs["$id"], Resource.from_contents(defs, DRAFT202012)),
            (schema["$id"], Resource.from_contents(schema, DRAFT202012)),
        ]
    )
    checker = FormatChecker()
    checker.checks("national-identity-number")(is_valid_national_identity_number)
    return Draft202012Validator(schema, registry=registry, format_checker=checker)


def _valid_examples() -> list[Any]:
    cases = []
    for (type_name, version), upcaster in sorted(UPCASTERS.items()):
        folder = SCHEMAS / type_name / "examples" / f"v{version}"
        for path in sorted(folder.glob("valid-*.json")):
            name = f"{type_name}-v{version}-{path.stem}"
            cases.append(pytest.param(type_name, version, upcaster, path, id=name))
        assert list(folder.glob("valid-*.json")), f"{folder} has no valid examples"
    return cases


@pytest.mark.parametrize(("type_name", "version", "upcaster", "path"), _valid_examples())
def test_every_valid_older_example_upcasts_to_a_valid_newer_one(
    type_name: str, version: int, upcaster: Any, path: Path
) -> None:
    data = _load(path)
    assert not list(_validator(type_name, version).iter_errors(data)), "example is not valid"
    untouched = copy.deepcopy(data)

    upcast = upcaster(data)

    assert data == untouched, "the upcaster mutated its input"
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in _validator(type_name, version + 1).iter_errors(upcast)
    ]
    assert not errors, errors


def test_upcasters_are_keyed_by_type_and_older_version() -> None:
    assert set(UPCASTERS) == {("case.registered", 1), ("judgment.final", 1)}
    for type_name, version in UPCASTERS:
        assert (SCHEMAS / type_name / f"v{version + 1}.schema.json").is_file()


def test_case_registered_penal_code_section_becomes_structured_provision() -> None:
    v1 = _load(SCHEMAS / "case.registered/examples/v1/valid-bicycle-theft-penalty-notice.json")
    assert v1["offences"][0]["penalCodeSection"] == "strl. § 321 1. ledd"

    v2 = case_registered_v1_to_v2(v1)

    offence = v2["offences"][0]
    assert "penalCodeSection" not in offence
    assert offence["provision"] == {"law": "STRL", "section": 321, "subsection": 1}
    assert list(offence)[:2] == ["offenceId", "provision"]
    assert v1["offences"][0]["penalCodeSection"] == "strl. § 321 1. ledd"


@pytest.mark.parametrize(
    ("text", "provision"),
    [
        ("strl. § 282", {"law": "STRL", "section": 282}),
        ("vtrl. § 22 1. ledd", {"law": "VTRL", "section": 22, "subsection": 1}),
        (
            "strl. § 60a 2. ledd",
            {"law": "STRL", "section": 60, "sectionSuffix": "a", "subsection": 2},
        ),
    ],
)
def test_penal_code_section_forms(text: str, provision: dict[str, Any]) -> None:
    assert parse_penal_code_section(text) == provision


def test_penal_code_section_in_words_is_refused() -> None:
    with pytest.raises(UpcastError):
        parse_penal_code_section("strl. § 321 første ledd")


def test_judgment_final_flat_fields_become_sentence() -> None:
    v1 = _load(FINAL_V1 / "valid-drugs-partly-conditional-with-fine.json")

    v2 = judgment_final_v1_to_v2(v1)

    assert v2["sentence"] == {
        "kind": "PARTLY_CONDITIONAL_PRISON",
        "prison": {"term": {"days": 240}, "suspendedDays": 120},
        "remandCreditDays": 28,
        "fineNok": 15000,
        "remarks": v1["sentenceText"],
    }
    flat = {
        "sentenceKind",
        "sentenceText",
        "prisonDays",
        "suspendedDays",
        "remandCreditDays",
        "communityHours",
        "fineNok",
    }
    assert not flat & set(v2)
    assert v2["convictions"] == v1["convictions"]


def test_judgment_final_alternative_prison_and_preventive_detention() -> None:
    fine = _load(FINAL_V1 / "valid-theft-fine.json")
    detention = _load(FINAL_V1 / "valid-homicide-preventive-detention.json")

    fine_sentence = judgment_final_v1_to_v2(fine)["sentence"]
    detention_sentence = judgment_final_v1_to_v2(detention)["sentence"]

    assert fine_sentence["alternativePrisonDays"] == fine["prisonDays"]
    assert "prison" not in fine_sentence
    assert fine_sentence["remandCreditDays"] == 0
    assert detention_sentence["preventiveDetention"] == {"timeFrameYears": 15, "minimumYears": 10}


def test_preventive_detention_without_limits_in_text_cannot_be_upcast() -> None:
    detention = _load(FINAL_V1 / "valid-homicide-preventive-detention.json")
    detention["sentenceText"] = "Stian Nilsen dømmes til forvaring."

    with pytest.raises(UpcastError):
        judgment_final_v1_to_v2(detention)
