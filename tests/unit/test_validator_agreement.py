"""The hot-path validator (jsonschema-rs) agrees with the reference (`jsonschema`).

Over every example of the catalogue and random mutations of the valid ones (a
key dropped, a value of another type, a digit of an identity number altered,
an unknown key added, a string replaced), both say valid or both say invalid.
Neither ever echoes personal data (`x-pii` values) in a message.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.catalogue.bundle import dereference
from hub.catalogue.catalogue import Catalogue, default_schemas_dir, load_catalogue
from hub.catalogue.identity import is_valid_national_identity_number
from hub.catalogue.validation import (
    SchemaValidators,
    UnknownEventTypeError,
    UnsupportedVersionError,
)

CATALOGUE: Catalogue = load_catalogue(default_schemas_dir())
VALIDATORS = SchemaValidators(CATALOGUE)
EXAMPLES = [
    (version.type_name, version.version, example)
    for event_type in CATALOGUE.types.values()
    for version in event_type.versions.values()
    for example in version.examples
]
VALID = [(t, n, e.data) for t, n, e in EXAMPLES if e.valid]
Location = tuple[str | int, ...]


def _locations(data: Any, here: Location = ()) -> Iterator[tuple[Location, Any]]:
    """Every location in a JSON document with the value found there."""
    yield here, data
    children = (
        data.items()
        if isinstance(data, dict)
        else enumerate(data)
        if isinstance(data, list)
        else ()
    )
    for key, value in children:
        yield from _locations(value, (*here, key))


def _parent(data: Any, location: Location) -> Any:
    for key in location[:-1]:
        data = data[key]
    return data


def _pii_values(schema: Any, data: Any, inherited: bool = False) -> Iterator[str]:
    """String values at locations the schema marks `x-pii` (or inside them)."""
    pii = inherited or (isinstance(schema, dict) and schema.get("x-pii") is True)
    if isinstance(data, str) and pii:
        yield data
    if not isinstance(schema, dict):
        return
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _pii_values(schema.get("properties", {}).get(key), value, pii)
    elif isinstance(data, list):
        for value in data:
            yield from _pii_values(schema.get("items"), value, pii)


OTHER_TYPED = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10**12),
    st.floats(allow_nan=False),
    st.text(max_size=12),
    st.just([]),
    st.just({}),
)


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, int, Any]:
    """A valid example with one random mutation applied somewhere."""
    type_name, version, original = draw(st.sampled_from(VALID))
    data = copy.deepcopy(original)
    locations = list(_locations(data))
    objects = [(loc, value) for loc, value in locations if isinstance(value, dict)]
    identities = [
        (loc, value)
        for loc, value in locations
        if loc and isinstance(value, str) and is_valid_national_identity_number(value)
    ]
    kinds = ["drop", "retype", "add", "restring"] + (["digit"] if identities else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "drop" and any(value for _, value in objects):
        location, target = draw(st.sampled_from([(loc, v) for loc, v in objects if v]))
        del target[draw(st.sampled_from(sorted(target)))]
    elif kind == "add":
        _, target = draw(st.sampled_from(objects))
        target[draw(st.text(min_size=1, max_size=8))] = draw(OTHER_TYPED)
    elif kind == "digit":
        location, number = draw(st.sampled_from(identities))
        position, digit = draw(st.integers(0, 10)), draw(st.sampled_from("0123456789"))
        _parent(data, location)[location[-1]] = number[:position] + digit + number[position + 1 :]
    elif kind in {"retype", "restring"} and len(locations) > 1:
        location, _ = draw(st.sampled_from(locations[1:]))
        value = draw(OTHER_TYPED if kind == "retype" else st.text(max_size=20))
        _parent(data, location)[location[-1]] = value
    return type_name, version, data


def _assert_agree(type_name: str, version: int, data: Any) -> None:
    fast = VALIDATORS.violation(type_name, version, data)
    reference = VALIDATORS.explain(type_name, version, data)
    assert (fast is None) == (not reference), (type_name, version, fast, reference[:3])
    schema = dereference(CATALOGUE.schema_version(type_name, version).schema, CATALOGUE.defs)
    # Codes the schema lists (enum, const) are not personal data, and unexpected
    # keys are named on purpose (a random value may happen to equal one).
    schema_text = json.dumps(schema, ensure_ascii=False)
    keys = {loc[-1] for loc, _ in _locations(data) if loc}
    secrets = [
        value
        for value in _pii_values(schema, data)
        if len(value) >= 4
        and value not in keys
        and json.dumps(value, ensure_ascii=False) not in schema_text
    ]
    messages = [v.message for v in reference] + ([fast.message] if fast else [])
    leaked = [secret for secret in secrets for message in messages if secret in message]
    assert not leaked, f"personal data in a message: {messages}"


@pytest.mark.parametrize(
    ("type_name", "version", "example"),
    EXAMPLES,
    ids=[f"{t}-v{n}-{e.name}" for t, n, e in EXAMPLES],
)
def test_both_validators_agree_on_every_example(type_name: str, version: int, example: Any) -> None:
    _assert_agree(type_name, version, example.data)
    assert (VALIDATORS.violation(type_name, version, example.data) is None) is example.valid


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_both_validators_agree_on_mutated_examples(case: tuple[str, int, Any]) -> None:
    _assert_agree(*case)


def test_a_wrong_check_digit_is_reported_at_its_location_without_the_number() -> None:
    version = CATALOGUE.schema_version("judgment.final", 2)
    data = copy.deepcopy(version.valid_examples[0].data)
    number = data["defendantNationalIdentityNumber"]
    data["defendantNationalIdentityNumber"] = number[:-1] + str((int(number[-1]) + 1) % 10)
    violation = VALIDATORS.violation("judgment.final", 2, data)
    assert violation is not None
    assert violation.path == "/defendantNationalIdentityNumber"
    assert violation.keyword == "format"
    assert number[:-1] not in violation.message
    assert "/defendantNationalIdentityNumber" in violation.message
    (explained,) = VALIDATORS.explain("judgment.final", 2, data)
    assert explained.path == violation.path and number[:-1] not in explained.message


def test_unknown_types_and_versions_are_told_apart() -> None:
    with pytest.raises(UnknownEventTypeError):
        VALIDATORS.violation("judgment.overturned", 1, {})
    with pytest.raises(UnsupportedVersionError):
        VALIDATORS.violation("judgment.final", 99, {})
    with pytest.raises(UnsupportedVersionError):
        VALIDATORS.explain("judgment.final", 99, {})
    assert issubclass(UnknownEventTypeError, KeyError)
