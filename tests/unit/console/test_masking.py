"""Personal data is masked on screen and kept when an operator corrects the rest."""

from __future__ import annotations

import orjson
import pytest

from hub.catalogue.catalogue import default_schemas_dir, load_catalogue
from hub.console.masking import (
    MASK,
    CorrectionError,
    mask,
    personal_fields,
    value_at,
    with_masked_values_kept,
)

CATALOGUE = load_catalogue(default_schemas_dir())
PERSONAL = personal_fields(CATALOGUE)


def _case_registered() -> dict[str, object]:
    version = CATALOGUE.schema_version("case.registered", 1)
    data = version.valid_examples[0].data
    assert isinstance(data, dict)
    return data


def test_the_catalogues_personal_fields_are_found_through_shared_definitions() -> None:
    assert {"nationalIdentityNumber", "givenName", "familyName", "phone", "email"} <= PERSONAL
    assert not {"caseId", "offences", "reason", "penalCodeSection"} & PERSONAL


def test_no_name_or_identity_number_of_an_event_survives_masking() -> None:
    event = _case_registered()
    shown, masked = mask(event, PERSONAL)
    text = orjson.dumps(shown).decode()
    for pointer in masked:
        original = value_at(event, pointer)
        assert str(original) not in text or len(str(original)) < 3, pointer
    assert any(p.endswith("/nationalIdentityNumber") for p in masked)
    assert shown["caseId"] == event["caseId"]  # what operators need stays readable


def test_an_identity_number_in_an_unknown_field_is_masked_too() -> None:
    shown, masked = mask({"note": "see 01817012345", "count": 3}, PERSONAL)
    assert shown == {"note": MASK, "count": 3}
    assert masked == ["/note"]


def test_one_revealed_field_is_shown_and_the_others_stay_masked() -> None:
    event = {"suspect": {"givenName": "Kari", "familyName": "Nordmann"}}
    shown, masked = mask(event, PERSONAL, reveal="/suspect/givenName")
    assert shown == {"suspect": {"givenName": "Kari", "familyName": MASK}}
    assert masked == ["/suspect/familyName"]


def test_a_correction_keeps_the_masked_values_it_left_alone() -> None:
    original = {"caseId": "C-1", "suspect": {"givenName": "Kari"}, "offences": [{"code": "x"}]}
    shown, _ = mask(original, PERSONAL)
    shown["offences"][0]["code"] = "fixed"
    restored = with_masked_values_kept(shown, original)
    assert restored == {
        "caseId": "C-1",
        "suspect": {"givenName": "Kari"},
        "offences": [{"code": "fixed"}],
    }


def test_a_mask_where_the_original_had_no_value_is_refused() -> None:
    with pytest.raises(CorrectionError, match="/suspect/familyName"):
        with_masked_values_kept({"suspect": {"familyName": MASK}}, {"suspect": {}})
