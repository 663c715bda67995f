"""Schema compatibility as Confluent Schema Registry decides it for JSON Schema.

Each change below says whether BACKWARD (new readers, old data) and FORWARD (old readers,
new data) accept it, as Confluent's json-schema-provider does with its default STRICT
policy; every policy is then checked against that. Note the content model rule, which is
the opposite of what many expect: an open model may lose properties under BACKWARD but not
gain them, a closed one may gain them but not lose them.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.catalogue.compatibility import (
    Change,
    CompatibilityPolicy,
    check_policy,
    compare,
)

STRING: dict[str, Any] = {"type": "string"}
INTEGER: dict[str, Any] = {"type": "integer"}
CLOSED: dict[str, Any] = {"additionalProperties": False}


def an_object(properties: dict[str, Any], *required: str, **keywords: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(required), **keywords}


def open_event(*required: str, **fields: Any) -> dict[str, Any]:
    """An event with `caseId` and `fields`; additionalProperties absent: an open model."""
    return an_object({"caseId": STRING, **fields}, "caseId", *required)


def closed_event(*required: str, **fields: Any) -> dict[str, Any]:
    return {**open_event(*required, **fields), **CLOSED}


def partly_open_event(**fields: Any) -> dict[str, Any]:
    """Other properties must be strings: a partially open model."""
    return {**open_event(**fields), "additionalProperties": STRING}


def verdict(kind: dict[str, Any], **keywords: Any) -> dict[str, Any]:
    """An open event whose optional `verdict` field has the given schema."""
    return open_event(verdict={**kind, **keywords})


NUMBER, NULLABLE_STRING = {"type": "number"}, {"type": ["string", "null"]}
WITH_DEFAULT = {**STRING, "default": ""}
DIGITS = "^[0-9]+$"
CONDITION = {"if": {"required": ["caseId"]}, "then": {"minProperties": 2}}

# (older, newer, BACKWARD accepts, FORWARD accepts), as Confluent's STRICT policy decides.
CHANGES = [
    pytest.param(
        open_event(), open_event("note", note=STRING), False, True, id="new_required_field"
    ),
    pytest.param(
        open_event(note=STRING),
        open_event("note", note=STRING),
        False,
        True,
        id="existing_field_becomes_required",
    ),
    pytest.param(
        closed_event(),
        closed_event("note", note=STRING),
        False,
        False,
        id="new_required_field_in_closed_model",
    ),
    pytest.param(
        closed_event(),
        closed_event("note", note=WITH_DEFAULT),
        True,
        False,
        id="new_required_field_with_default_in_closed_model",
    ),
    pytest.param(
        closed_event(),
        closed_event(note=STRING),
        True,
        False,
        id="optional_field_added_to_closed_model",
    ),
    pytest.param(
        closed_event(note=STRING), closed_event(), False, True, id="field_removed_from_closed_model"
    ),
    pytest.param(
        open_event(note=STRING), open_event(), True, False, id="field_removed_from_open_model"
    ),
    pytest.param(
        open_event(), open_event(note=STRING), False, True, id="optional_field_added_to_open_model"
    ),
    pytest.param(
        partly_open_event(),
        partly_open_event(note=STRING),
        True,
        True,
        id="covered_field_added_to_partly_open_model",
    ),
    pytest.param(
        partly_open_event(note=STRING),
        partly_open_event(),
        True,
        True,
        id="covered_field_removed_from_partly_open_model",
    ),
    pytest.param(
        partly_open_event(),
        partly_open_event(days=INTEGER),
        False,
        False,
        id="uncovered_field_added_to_partly_open_model",
    ),
    pytest.param(verdict(NUMBER), verdict(INTEGER), False, True, id="type_narrowed"),
    pytest.param(
        verdict(NULLABLE_STRING), verdict(STRING), False, True, id="nullable_type_narrowed"
    ),
    pytest.param(verdict(INTEGER), verdict(NUMBER), True, False, id="type_widened"),
    pytest.param(
        verdict(STRING), verdict(NULLABLE_STRING), True, False, id="type_widened_to_nullable"
    ),
    pytest.param(verdict(STRING), verdict(INTEGER), False, False, id="type_changed"),
    pytest.param(
        verdict({"enum": ["GUILTY", "ACQUITTED"]}),
        verdict({"enum": ["GUILTY"]}),
        False,
        True,
        id="enum_value_removed",
    ),
    pytest.param(
        verdict(STRING, enum=["GUILTY", "ACQUITTED"]),
        verdict(STRING, enum=["GUILTY"]),
        False,
        True,
        id="enum_value_removed_from_typed_enum",
    ),
    pytest.param(
        verdict(STRING, enum=["GUILTY"]),
        verdict(STRING, enum=["GUILTY", "ACQUITTED"]),
        True,
        False,
        id="enum_value_added",
    ),
    pytest.param(
        verdict(STRING, format="date"),
        verdict(STRING, format="date-time"),
        True,
        True,
        id="format_changed_is_not_compared",
    ),
    pytest.param(
        verdict(STRING),
        verdict(STRING, format="date"),
        True,
        True,
        id="format_added_is_not_compared",
    ),
    pytest.param(
        verdict(STRING, maxLength=20),
        verdict(STRING, maxLength=10),
        False,
        True,
        id="max_length_tightened",
    ),
    pytest.param(
        verdict(STRING, maxLength=10),
        verdict(STRING, maxLength=20),
        True,
        False,
        id="max_length_loosened",
    ),
    pytest.param(
        verdict(INTEGER, minimum=0), verdict(INTEGER, minimum=1), False, True, id="minimum_raised"
    ),
    pytest.param(verdict(STRING), verdict(STRING, pattern=DIGITS), False, True, id="pattern_added"),
    pytest.param(
        verdict(STRING, pattern=DIGITS), verdict(STRING), True, False, id="pattern_removed"
    ),
    pytest.param(
        verdict(STRING, pattern=DIGITS),
        verdict(STRING, pattern="^[0-9]{11}$"),
        False,
        False,
        id="pattern_changed",
    ),
    pytest.param(
        verdict({"type": "array", "items": NUMBER}),
        verdict({"type": "array", "items": INTEGER}),
        False,
        True,
        id="array_items_narrowed",
    ),
    pytest.param(
        verdict({"type": "array", "prefixItems": [STRING], "items": False}),
        verdict({"type": "array", "prefixItems": [STRING, INTEGER], "items": False}),
        True,
        False,
        id="item_added_to_closed_tuple",
    ),
    pytest.param(
        closed_event(),
        {**open_event(), "additionalProperties": True},
        True,
        False,
        id="additional_properties_false_to_true",
    ),
    pytest.param(
        {**open_event(), "additionalProperties": True},
        closed_event(),
        False,
        True,
        id="additional_properties_true_to_false",
    ),
    pytest.param(
        verdict({"oneOf": [STRING, INTEGER]}),
        verdict({"oneOf": [STRING, INTEGER, {"type": "boolean"}]}),
        True,
        False,
        id="one_of_extended",
    ),
    pytest.param(
        verdict({"oneOf": [STRING, INTEGER, {"type": "boolean"}]}),
        verdict({"oneOf": [STRING, INTEGER]}),
        False,
        True,
        id="one_of_narrowed",
    ),
    pytest.param(
        verdict({"const": "A"}), verdict({"const": "B"}), False, False, id="const_changed"
    ),
    pytest.param(
        verdict({"not": STRING}),
        verdict({"not": NULLABLE_STRING}),
        False,
        True,
        id="not_excludes_more",
    ),
    pytest.param(
        open_event(),
        {**open_event(), **CONDITION},
        False,
        True,
        id="if_then_else_added_makes_an_all_of",
    ),
    pytest.param(
        {**open_event(), **CONDITION},
        {**open_event(), **CONDITION, "then": {}},
        True,
        True,
        id="if_then_else_contents_are_not_compared",
    ),
]


def accepts(policy: CompatibilityPolicy, backward_ok: bool, forward_ok: bool) -> bool:
    """What Confluent's checkers do with one older and one newer version."""
    if policy is CompatibilityPolicy.NONE:
        return True
    if policy.startswith("BACKWARD"):
        return backward_ok
    if policy.startswith("FORWARD"):
        return forward_ok
    return backward_ok and forward_ok


@pytest.mark.parametrize("policy", list(CompatibilityPolicy), ids=str)
@pytest.mark.parametrize(("older", "newer", "backward_ok", "forward_ok"), CHANGES)
def test_policy_accepts_a_change_exactly_when_confluent_does(
    policy: CompatibilityPolicy,
    older: dict[str, Any],
    newer: dict[str, Any],
    backward_ok: bool,
    forward_ok: bool,
) -> None:
    violations = check_policy(policy, {1: older, 2: newer})
    assert (not violations) == accepts(policy, backward_ok, forward_ok), violations


def test_change_names_the_confluent_kind_the_pointer_and_the_rule() -> None:
    v1 = an_object({"sentence": an_object({"kind": STRING}, **CLOSED)})
    v2 = an_object({"sentence": an_object({"kind": STRING, "days": INTEGER}, "days", **CLOSED)})
    assert compare(v1, v2) == [
        Change(
            kind="REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL",
            path="#/properties/sentence/properties/days",
            description="property sentence.days was added as required",
            compatible=False,
            rule="a new required property",
        )
    ]


def test_annotations_are_not_changes() -> None:
    annotated = {
        **STRING,
        "title": "Verdict",
        "description": "What the court decided",
        "examples": ["GUILTY"],
        "$comment": "from the court system",
        "deprecated": True,
        "x-owner": "courts",
    }
    assert compare(verdict(STRING), verdict(annotated)) == []


def test_a_schema_with_a_reference_is_a_programmer_error() -> None:
    with pytest.raises(ValueError, match=r"\$ref .*bundle"):
        compare(open_event(), verdict({"$ref": "#/$defs/verdict"}))


def test_none_accepts_everything() -> None:
    versions = {1: verdict(STRING), 2: verdict(INTEGER), 3: {"$ref": "#/unbundled"}}
    assert check_policy(CompatibilityPolicy.NONE, versions) == []


def test_transitive_policy_compares_with_every_earlier_version() -> None:
    # A default lets `note` become required; once required, dropping the default looks harmless
    # next to v2, but v1 data may still lack `note`.
    v1 = an_object({"note": STRING})
    v2 = an_object({"note": WITH_DEFAULT}, "note")
    v3 = an_object({"note": STRING}, "note")
    versions = {3: v3, 1: v1, 2: v2}
    assert check_policy(CompatibilityPolicy.BACKWARD, versions) == []
    [violation] = check_policy(CompatibilityPolicy.BACKWARD_TRANSITIVE, versions)
    assert (violation.older, violation.newer, violation.direction) == (1, 3, "BACKWARD")
    assert violation.message("judgment.final") == (
        "judgment.final v1→v3: property note became required; "
        "BACKWARD forbids a new required property"
    )


def test_full_needs_both_directions_and_says_which_one_broke() -> None:
    v1, v2 = open_event(note=STRING), open_event()
    assert check_policy(CompatibilityPolicy.BACKWARD, {1: v1, 2: v2}) == []
    [violation] = check_policy(CompatibilityPolicy.FULL, {1: v1, 2: v2})
    assert violation.direction == "FORWARD"
    assert violation.change.kind == "OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL"
    assert violation.message("case.registered") == (
        "case.registered v2: property note was removed from an open content model; "
        "FORWARD forbids removing a property from an open content model"
    )


def test_message_names_the_version_and_what_backward_forbids() -> None:
    v2 = an_object({"sentence": an_object({"days": INTEGER})})
    v3 = an_object({"sentence": an_object({"days": INTEGER}, "days")})
    [violation] = check_policy(CompatibilityPolicy.BACKWARD, {2: v2, 3: v3})
    assert violation.change.path == "#/properties/sentence/properties/days"
    assert violation.message("judgment.final") == (
        "judgment.final v3: property sentence.days became required; "
        "BACKWARD forbids a new required property"
    )


@pytest.mark.parametrize(
    ("older", "newer", "rule"),
    [
        (
            closed_event(note=STRING),
            closed_event(),
            "BACKWARD forbids removing a property from a closed content model",
        ),
        (verdict({"type": "number"}), verdict(INTEGER), "BACKWARD forbids narrowing a type"),
        (
            verdict({"type": ["string", "null"]}),
            verdict(STRING),
            "BACKWARD forbids narrowing a type",
        ),
        (
            verdict(STRING, enum=["GUILTY", "ACQUITTED"]),
            verdict(STRING, enum=["GUILTY"]),
            "BACKWARD forbids removing an enum value",
        ),
        (
            verdict(STRING, maxLength=20),
            verdict(STRING, maxLength=10),
            "BACKWARD forbids lowering maxLength",
        ),
        (open_event(), closed_event(), "BACKWARD forbids closing an open content model"),
    ],
    ids=["closed_removal", "number_to_integer", "nullable", "enum", "max_length", "closing"],
)
def test_message_names_the_rule_broken_in_plain_words(
    older: dict[str, Any], newer: dict[str, Any], rule: str
) -> None:
    [violation] = check_policy(CompatibilityPolicy.BACKWARD, {1: older, 2: newer})
    assert violation.message("judgment.final").endswith(rule)


def test_forward_message_reads_from_older_to_newer() -> None:
    [violation] = check_policy(
        CompatibilityPolicy.FORWARD, {1: verdict(STRING), 2: verdict(NULLABLE_STRING)}
    )
    assert violation.message("leave.granted") == (
        "leave.granted v2: property verdict changed type from string to string|null; "
        "FORWARD forbids widening a type"
    )


SCHEMAS = st.recursive(
    st.sampled_from([STRING, INTEGER, {"type": "number"}, {"type": "boolean"}, {"type": "null"}])
    | st.builds(lambda values: {"enum": values}, st.lists(st.text(max_size=3), min_size=1)),
    lambda inner: (
        st.builds(
            lambda props, closed: an_object(props, *props, additionalProperties=not closed),
            st.dictionaries(st.text(min_size=1, max_size=5), inner, max_size=4),
            st.booleans(),
        )
        | st.builds(lambda items: {"type": "array", "items": items}, inner)
        | st.builds(lambda members: {"oneOf": members}, st.lists(inner, min_size=1, max_size=3))
    ),
    max_leaves=10,
)


@given(SCHEMAS)
def test_a_schema_has_no_differences_from_itself(schema: dict[str, Any]) -> None:
    assert compare(schema, schema) == []


@given(SCHEMAS, SCHEMAS)
def test_full_forbids_exactly_what_backward_and_forward_forbid(
    older: dict[str, Any], newer: dict[str, Any]
) -> None:
    versions = {1: older, 2: newer}
    either = check_policy(CompatibilityPolicy.BACKWARD, versions) + check_policy(
        CompatibilityPolicy.FORWARD, versions
    )
    assert sorted(map(repr, check_policy(CompatibilityPolicy.FULL, versions))) == sorted(
        map(repr, either)
    )
