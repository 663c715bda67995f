"""Projection: each recipient gets only its fields, and protected addresses never travel.

The matrix at the end runs every route and recipient of the repository's
routes.yaml over every valid example of the type's canonical version (and the
older versions' examples, upcast), as the hub would see them.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

import pytest

from hub.catalogue.bundle import dereference
from hub.catalogue.catalogue import Catalogue, default_schemas_dir, load_catalogue
from hub.catalogue.upcast import to_canonical
from hub.pipeline.project import (
    compile_projection,
    path_segments,
    project_for_recipient,
)
from hub.pipeline.route import Recipient, default_routes_path, load_routes

PROTECTED = ("CONFIDENTIAL", "STRICTLY_CONFIDENTIAL")
ADDRESS = {
    "addressLines": ["Storgata 1"],
    "postalCode": "0155",
    "city": "OSLO",
    "countryCode": "NOR",
}


def person(protection: str = "NONE") -> dict[str, Any]:
    return {
        "nationalIdentityNumber": "14839411341",
        "name": {"givenName": "Kari", "familyName": "Nordmann"},
        "addressProtection": protection,
        "address": copy.deepcopy(ADDRESS),
    }


# --- what a projection keeps ---------------------------------------------------------


def test_a_field_path_keeps_that_field_only() -> None:
    data = {"caseId": "15434820", "court": {"name": "Oslo tingrett", "organisationNumber": "1"}}

    assert project_for_recipient(data, compile_projection(["court.name"])) == {
        "court": {"name": "Oslo tingrett"}
    }


def test_a_subtree_path_keeps_the_whole_subtree() -> None:
    data = {
        "caseId": "1",
        "sentence": {"kind": "FINE", "fineNok": 5000, "prison": {"term": {"years": 1}}},
    }

    assert project_for_recipient(data, compile_projection(["sentence"])) == {
        "sentence": data["sentence"]
    }


def test_an_array_path_applies_to_every_element() -> None:
    data = {"victims": [{"victimId": "V001", "isBereaved": False}, {"victimId": "V002"}]}

    projected = project_for_recipient(data, compile_projection(["victims[].victimId"]))

    assert projected == {"victims": [{"victimId": "V001"}, {"victimId": "V002"}]}


def test_a_path_to_a_missing_optional_field_is_simply_absent() -> None:
    data = {"caseId": "1", "court": {"name": "Oslo tingrett"}}

    projected = project_for_recipient(data, compile_projection(["caseId", "leaveId", "court.id"]))

    assert projected == {"caseId": "1", "court": {}}


def test_a_path_inside_a_kept_subtree_adds_nothing() -> None:
    both = compile_projection(["sentence", "sentence.kind"])
    reversed_order = compile_projection(["sentence.kind", "sentence"])
    data = {"sentence": {"kind": "FINE", "fineNok": 1}}

    assert project_for_recipient(data, both) == project_for_recipient(data, reversed_order)
    assert project_for_recipient(data, both) == {"sentence": {"kind": "FINE", "fineNok": 1}}


def test_projection_neither_changes_nor_shares_the_event_data() -> None:
    data = {"victims": [{"victimId": "V001", "person": person()}], "sentence": {"kind": "FINE"}}
    original = copy.deepcopy(data)

    projected = project_for_recipient(data, compile_projection(["victims", "sentence"]))
    projected["victims"][0]["person"]["name"]["givenName"] = "changed"
    projected["sentence"]["kind"] = "changed"

    assert data == original


def test_a_scalar_where_an_object_is_expected_holds_no_projected_field() -> None:
    projected = project_for_recipient({"court": "Oslo"}, compile_projection(["court.name"]))

    assert projected == {}


@pytest.mark.parametrize("path", ["", "a..b", "a[]b", "a b", "a[", "[]", "a.[]"])
def test_a_malformed_path_is_refused_when_compiled(path: str) -> None:
    with pytest.raises(ValueError, match="malformed field path"):
        compile_projection([path])


def test_array_marks_do_not_change_the_field_names() -> None:
    assert path_segments("victims[].person.name") == ("victims", "person", "name")


# --- address protection (adressegradering), whatever the route says ------------------


@pytest.mark.parametrize("protection", PROTECTED)
def test_a_protected_persons_address_is_never_sent_even_when_routed(protection: str) -> None:
    data = {"suspect": person(protection)}

    for paths in (["suspect"], ["suspect.address"], ["suspect.name", "suspect.address"]):
        projected = project_for_recipient(data, compile_projection(paths))

        assert "address" not in projected.get("suspect", {}), paths


@pytest.mark.parametrize("protection", PROTECTED)
def test_a_protected_victims_address_is_removed_in_every_array_element(protection: str) -> None:
    data = {"victims": [{"person": person("NONE")}, {"person": person(protection)}]}

    projected = project_for_recipient(data, compile_projection(["victims"]))

    assert "address" in projected["victims"][0]["person"]
    assert "address" not in projected["victims"][1]["person"]


def test_an_unprotected_or_client_address_is_sent_where_routed() -> None:
    for protection in ("NONE", "CLIENT_ADDRESS"):
        projected = project_for_recipient(
            {"suspect": person(protection)}, compile_projection(["suspect.address"])
        )

        assert projected == {"suspect": {"address": ADDRESS}}


# --- the data-minimisation matrix over the repository's routes -----------------------


@cache
def catalogue() -> Catalogue:
    return load_catalogue(default_schemas_dir())


@cache
def classified(event_type: str) -> tuple[tuple[tuple[str, ...], str], ...]:
    """(field path, classification) of every classified field of the canonical schema.

    Its own small walk, independent of the one the routes loader uses.
    """
    known = catalogue().types[event_type]
    schema = dereference(known.versions[known.canonical_version].schema, catalogue().defs)
    found: dict[tuple[str, ...], str] = {}

    def walk(node: Any, at: tuple[str, ...]) -> None:
        if not isinstance(node, Mapping):
            return
        level = node.get("x-classification")
        if level in PROTECTED and at and (found.get(at) != "STRICTLY_CONFIDENTIAL"):
            found[at] = level
        for name, child in node.get("properties", {}).items():
            walk(child, (*at, name))
        walk(node.get("items"), at)
        for keyword in ("allOf", "anyOf", "oneOf"):
            for branch in node.get(keyword, ()):
                walk(branch, at)
        walk(node.get("then"), at)
        walk(node.get("else"), at)

    walk(schema, ())
    return tuple(found.items())


def suspect_variants() -> Iterator[dict[str, Any]]:
    """The suspect as police registered them, with every kind of address protection."""
    for protection in ("NONE", "CLIENT_ADDRESS", *PROTECTED):
        yield {**person(protection), "birthDate": "1994-03-14", "gender": "MALE"}


def with_every_person_protected(data: Any, protection: str) -> Any:
    """The data as the registry may hold it: every person protected, address still there."""
    if isinstance(data, list):
        return [with_every_person_protected(item, protection) for item in data]
    if not isinstance(data, dict):
        return data
    result = {key: with_every_person_protected(value, protection) for key, value in data.items()}
    if "addressProtection" in result:
        result["addressProtection"] = protection
        result.setdefault("address", copy.deepcopy(ADDRESS))
    return result


def canonical_examples(event_type: str) -> Iterator[tuple[str, dict[str, Any]]]:
    known = catalogue().types[event_type]
    for version, schema_version in known.versions.items():
        for example in schema_version.valid_examples:
            _, data = to_canonical(catalogue(), event_type, version, copy.deepcopy(example.data))
            yield f"v{version}/{example.name}", data


def matrix() -> Iterator[Any]:
    routes = load_routes(default_routes_path(), catalogue())
    for event_type, route in routes.routes.items():
        for recipient in route.recipients:
            for name, data in canonical_examples(event_type):
                for variant, event in event_variants(data, recipient):
                    yield pytest.param(
                        event_type,
                        recipient,
                        event,
                        id=f"{event_type}-{recipient.agency}-{name}-{variant}",
                    )


def event_variants(
    data: dict[str, Any], recipient: Recipient
) -> Iterator[tuple[str, dict[str, Any]]]:
    """The example as sent, enriched as the registry would, and with protected persons."""
    enriched = [data]
    for suspect in suspect_variants() if recipient.enrich else ():
        enriched.append({**data, **{target: suspect for target in recipient.enrich}})
    for index, event in enumerate(enriched):
        yield f"enriched{index}", event
        for protection in PROTECTED:
            yield f"enriched{index}-{protection}", with_every_person_protected(event, protection)


def leaf_paths(value: Any, at: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    if isinstance(value, dict) and value:
        for key, child in value.items():
            yield from leaf_paths(child, (*at, key))
    elif isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        for item in value:
            yield from leaf_paths(item, at)
    else:
        yield at, value


def within(path: tuple[str, ...], allowed: tuple[str, ...]) -> bool:
    return path[: len(allowed)] == allowed


def protected_address_owners(value: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Where in the data (keys and indexes) a protected person's address sits."""
    if isinstance(value, dict):
        if value.get("addressProtection") in PROTECTED:
            yield at
        for key, child in value.items():
            yield from protected_address_owners(child, (*at, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from protected_address_owners(item, (*at, index))


def find(value: Any, at: tuple[Any, ...]) -> Any:
    for step in at:
        try:
            value = value[step]
        except (KeyError, IndexError, TypeError):
            return None
    return value


@pytest.mark.parametrize(("event_type", "recipient", "data"), list(matrix()))
def test_each_recipient_gets_only_what_its_route_allows(
    event_type: str, recipient: Recipient, data: dict[str, Any]
) -> None:
    original = copy.deepcopy(data)
    projected = project_for_recipient(data, recipient.projection)
    visible = [path_segments(path) for path in (*recipient.fields, *recipient.confidential_fields)]
    named = [path_segments(path) for path in recipient.confidential_fields]

    assert data == original
    for path, value in leaf_paths(projected):
        intermediate = value in ({}, []) and any(within(seen, path) for seen in visible)
        assert intermediate or any(within(path, seen) for seen in visible), path
    for field, level in classified(event_type):
        shown = [
            p for p, value in leaf_paths(projected) if within(p, field) and value not in ({}, [])
        ]
        if level == "STRICTLY_CONFIDENTIAL" and field[-1] != "address":
            assert not shown, field
        for path in shown:
            assert any(within(path, entry) for entry in named), (field, path)
    for owner in protected_address_owners(data):
        assert "address" not in (find(projected, owner) or {}), owner
    if recipient.agency in ("courts", "koda"):
        assert_no_victim_contact(projected)


def assert_no_victim_contact(projected: Mapping[str, Any]) -> None:
    for path, _ in leaf_paths(projected):
        assert "contact" not in path and "representative" not in path, path
        assert not (path[:1] == ("victims",) and "address" in path), path


# --- specifications of the repository's routes, in words ------------------------------


def route_recipient(event_type: str, agency: str) -> Recipient:
    routes = load_routes(default_routes_path(), catalogue())
    return next(r for r in routes.route_for(event_type).recipients if r.agency == agency)


def test_courts_never_receive_a_victims_contact_details() -> None:
    courts = route_recipient("case.registered", "courts")
    for _, data in canonical_examples("case.registered"):
        projected = project_for_recipient(data, courts.projection)

        for victim in projected["victims"]:
            assert set(victim) <= {"victimId", "person", "isBereaved", "offenceIds"}
            assert set(victim.get("person", {})) <= {"name"}


def test_koda_gets_the_registered_convicted_person_with_the_final_judgment() -> None:
    koda = route_recipient("judgment.final", "koda")
    suspect = {**person("NONE"), "birthDate": "1994-03-14", "gender": "MALE"}
    _, data = next(canonical_examples("judgment.final"))

    projected = project_for_recipient({**data, "convictedPerson": suspect}, koda.projection)

    assert dict(koda.enrich) == {"convictedPerson": "suspect"}
    assert projected["convictedPerson"] == suspect
    assert {"sentence", "convictions", "court", "finalFrom"} <= projected.keys()


def test_a_strictly_confidential_address_never_leaves_the_hub() -> None:
    koda = route_recipient("judgment.final", "koda")
    _, data = next(canonical_examples("judgment.final"))
    hidden = {**person("STRICTLY_CONFIDENTIAL"), "birthDate": "1994-03-14", "gender": "MALE"}

    projected = project_for_recipient({**data, "convictedPerson": hidden}, koda.projection)

    assert "address" not in projected["convictedPerson"]
    assert projected["convictedPerson"]["addressProtection"] == "STRICTLY_CONFIDENTIAL"


def test_only_police_see_where_a_person_stays_on_leave() -> None:
    routes = load_routes(default_routes_path(), catalogue())
    for recipient in routes.route_for("leave.granted").recipients:
        for _, data in canonical_examples("leave.granted"):
            shown = "stayAddress" in project_for_recipient(data, recipient.projection)

            assert shown == (recipient.agency == "police")


def test_courts_are_told_of_a_release_but_not_where_the_person_will_live() -> None:
    courts = route_recipient("release.completed", "courts")
    for _, data in canonical_examples("release.completed"):
        projected = project_for_recipient(data, courts.projection)

        assert "residence" not in projected.get("conditions", {})
        assert projected["releaseKind"] == data["releaseKind"]
