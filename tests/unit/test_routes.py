"""The routes file is checked at start-up: every mistake names the file and the line."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta
from functools import cache
from pathlib import Path
from types import MappingProxyType

import pytest

from hub.catalogue.catalogue import Catalogue, default_schemas_dir, load_catalogue
from hub.pipeline.amendments import amendment_type
from hub.pipeline.route import (
    AGENCIES,
    RoutesError,
    UnknownRouteError,
    default_routes_path,
    load_routes,
)

COURTS_CASE = """\
  case.registered:
    recipients:
      courts:
        fields:
          - caseId
"""

LEAVE_ALERT = """\
  - on: leave.granted
    kind: LEAVE_GRANTED
    consent: LEAVE
    urgency: NORMAL
    notify_within: P1D
"""


@cache
def catalogue() -> Catalogue:
    return load_catalogue(default_schemas_dir())


def routes_text(routes: str, alerts: str = "", catalogue_: Catalogue | None = None) -> str:
    """A routes file with `routes` first and every other catalogue type routed nowhere."""
    named = set(re.findall(r"^  (\S+):$", routes, re.MULTILINE))
    rest = "".join(
        f"  {name}:\n    recipients: {{}}\n"
        for name in sorted((catalogue_ or catalogue()).types)
        if name not in named and amendment_type(name) is None
    )
    text = f"routes:\n{routes}{rest}"
    return f"{text}victim_alerts:\n{alerts}" if alerts else text


def load_error(tmp_path: Path, text: str, catalogue_: Catalogue | None = None) -> RoutesError:
    path = tmp_path / "routes.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RoutesError) as caught:
        load_routes(path, catalogue_ or catalogue())
    return caught.value


def line_of(text: str, marker: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), 1) if marker in line)


def assert_points_at(
    error: RoutesError, tmp_path: Path, text: str, marker: str, words: str
) -> None:
    line = line_of(text, marker)
    assert str(error).startswith(f"{tmp_path / 'routes.yaml'}:{line}: "), str(error)
    assert (error.path, error.line) == (tmp_path / "routes.yaml", line)
    assert words in str(error), str(error)


# --- the repository's file -----------------------------------------------------------


def test_the_repository_routes_load_cleanly_and_route_every_type() -> None:
    routes = load_routes(default_routes_path(), catalogue())

    amendments = {t for t in catalogue().types if amendment_type(t) is not None}
    assert set(routes.routes) == set(catalogue().types) - amendments
    assert amendments  # they go where their original went, never by route

    for route in routes.routes.values():
        assert {recipient.agency for recipient in route.recipients} <= AGENCIES


def test_a_route_for_a_retraction_is_refused(tmp_path: Path) -> None:
    text = routes_text("  judgment.final.retracted:\n    recipients: {}\n")

    error = load_error(tmp_path, text)

    assert "goes to the original's recipients" in str(error)


def test_registry_only_types_go_to_nobody() -> None:
    routes = load_routes(default_routes_path(), catalogue())

    for name in ("victim.notification-requested", "victim.notification-withdrawn", "hub.receipt"):
        assert routes.route_for(name).recipients == ()


def test_an_escape_alerts_victims_urgently_within_the_hour() -> None:
    routes = load_routes(default_routes_path(), catalogue())

    (escape,) = routes.alerts_for("escape.reported")
    assert (escape.kind, escape.consent, escape.urgency) == ("ESCAPE", "ESCAPE", "URGENT")
    assert escape.notify_within == timedelta(hours=1)
    assert routes.alerts_for("case.registered") == ()


def test_a_transfer_alerts_only_when_the_person_serves_outside_prison() -> None:
    routes = load_routes(default_routes_path(), catalogue())

    (transfer,) = routes.alerts_for("transfer.completed")
    assert (transfer.consent, transfer.when) == ("SERVING_OUTSIDE_PRISON", "servesOutsidePrison")


def test_route_for_an_unknown_type_is_a_specific_error() -> None:
    routes = load_routes(default_routes_path(), catalogue())

    with pytest.raises(UnknownRouteError, match=r"no\.such"):
        routes.route_for("no.such")


def test_hub_routes_names_another_routes_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_ROUTES", "/etc/hub/routes.yaml")
    assert default_routes_path() == Path("/etc/hub/routes.yaml")
    monkeypatch.delenv("HUB_ROUTES")
    assert default_routes_path().parts[-2:] == ("routes", "routes.yaml")


def test_a_minimal_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "routes.yaml"
    path.write_text(routes_text(COURTS_CASE, LEAVE_ALERT), encoding="utf-8")

    routes = load_routes(path, catalogue())

    (courts,) = routes.route_for("case.registered").recipients
    assert (courts.agency, courts.fields, courts.confidential_fields) == ("courts", ("caseId",), ())
    assert routes.alerts_for("leave.granted")[0].notify_within == timedelta(days=1)


# --- what the loader refuses, and where it points --------------------------------------


def test_an_unknown_event_type_is_refused(tmp_path: Path) -> None:
    text = routes_text("  judgment.finale:\n    recipients: {}\n")

    error = load_error(tmp_path, text)

    assert_points_at(
        error, tmp_path, text, "judgment.finale", "unknown event type 'judgment.finale'"
    )


def test_an_unknown_recipient_is_refused(tmp_path: Path) -> None:
    text = routes_text(COURTS_CASE.replace("courts:", "prosecutor:"))

    error = load_error(tmp_path, text)

    assert_points_at(error, tmp_path, text, "prosecutor", "unknown recipient 'prosecutor'")


def test_a_path_that_is_not_in_the_canonical_schema_is_refused(tmp_path: Path) -> None:
    text = routes_text(COURTS_CASE + "          - suspect.shoeSize\n")

    error = load_error(tmp_path, text)

    assert_points_at(error, tmp_path, text, "shoeSize", "no field suspect.shoeSize")


def test_a_field_of_an_older_version_only_is_refused(tmp_path: Path) -> None:
    text = routes_text(COURTS_CASE + "          - offences[].penalCodeSection\n")

    error = load_error(tmp_path, text)

    assert_points_at(error, tmp_path, text, "penalCodeSection", "no field")


def test_going_into_array_elements_needs_the_array_mark(tmp_path: Path) -> None:
    text = routes_text(COURTS_CASE + "          - victims.victimId\n")

    error = load_error(tmp_path, text)

    assert_points_at(error, tmp_path, text, "victims.victimId", "write victims[]")


def test_an_array_mark_on_a_field_that_is_no_array_is_refused(tmp_path: Path) -> None:
    text = routes_text(COURTS_CASE + "          - suspect[].name\n")

    error = load_error(tmp_path, text)

    assert_points_at(error, tmp_path, text, "suspect[]", "is not an array")


@pytest.mark.parametrize(
    ("path", "confidential"),
    [
        ("suspect", "suspect.address"),
        ("victims", "victims.person.address"),
        ("victims[].contact", "victims.contact"),
        ("victims[].contact.phone", "victims.contact"),
        ("victims[].guardian", "victims.guardian.contact"),
    ],
)
def test_a_path_showing_confidential_data_must_name_it(
    tmp_path: Path, path: str, confidential: str
) -> None:
    text = routes_text(COURTS_CASE + f"          - {path}\n")

    error = load_error(tmp_path, text)

    assert_points_at(error, tmp_path, text, f"- {path}", f"CONFIDENTIAL {confidential}")


def test_a_confidential_field_named_in_confidential_fields_is_allowed(tmp_path: Path) -> None:
    routes = (
        "  leave.granted:\n    recipients:\n      police:\n        fields: [caseId]\n"
        "        confidential_fields: [stayAddress]\n"
    )
    path = tmp_path / "routes.yaml"
    path.write_text(routes_text(routes), encoding="utf-8")

    (police,) = load_routes(path, catalogue()).route_for("leave.granted").recipients

    assert police.confidential_fields == ("stayAddress",)


def test_confidential_fields_must_show_confidential_data(tmp_path: Path) -> None:
    text = routes_text(COURTS_CASE + "        confidential_fields:\n          - registeredAt\n")

    error = load_error(tmp_path, text)

    assert_points_at(error, tmp_path, text, "- registeredAt", "shows no CONFIDENTIAL field")


def with_strictly_confidential_field(name: str, conditional: bool = False) -> Catalogue:
    """The catalogue with a STRICTLY_CONFIDENTIAL field added to leave.started."""
    known = catalogue().types["leave.started"]
    version = known.versions[known.canonical_version]
    field = {"type": "string", "x-classification": "STRICTLY_CONFIDENTIAL"}
    schema = dict(version.schema)
    if conditional:
        schema["properties"] = {**schema["properties"], name: {"type": "string"}}
        schema["allOf"] = [{"if": {"required": [name]}, "then": {"properties": {name: field}}}]
    else:
        schema["properties"] = {**schema["properties"], name: field}
    versions = {**known.versions, version.version: dataclasses.replace(version, schema=schema)}
    types = {**catalogue().types, known.name: dataclasses.replace(known, versions=versions)}
    return dataclasses.replace(catalogue(), types=MappingProxyType(types))


@pytest.mark.parametrize("conditional", [False, True])
def test_a_strictly_confidential_field_is_never_routed(tmp_path: Path, conditional: bool) -> None:
    strict = with_strictly_confidential_field("hiddenAddress", conditional)
    routes = (
        "  leave.started:\n    recipients:\n      police:\n        fields: [caseId]\n"
        "        confidential_fields: [hiddenAddress]\n"
    )
    text = routes_text(routes, catalogue_=strict)

    error = load_error(tmp_path, text, strict)

    assert_points_at(error, tmp_path, text, "hiddenAddress", "STRICTLY_CONFIDENTIAL hiddenAddress")


def test_a_protected_persons_address_may_be_named_the_rule_removes_it(tmp_path: Path) -> None:
    routes = (
        "  case.registered:\n    recipients:\n      police:\n        fields: [suspect]\n"
        "        confidential_fields: [suspect.address]\n"
    )
    path = tmp_path / "routes.yaml"
    path.write_text(routes_text(routes), encoding="utf-8")

    (police,) = load_routes(path, catalogue()).route_for("case.registered").recipients

    assert police.confidential_fields == ("suspect.address",)


def judgment_final_koda(enrich: str, fields: str = "[caseId, convictedPerson]") -> str:
    return (
        "  judgment.final:\n    recipients:\n      koda:\n"
        f"        fields: {fields}\n"
        "        confidential_fields: [convictedPerson.address]\n"
        f"        enrich:\n          {enrich}\n"
    )


def test_an_enrich_target_must_be_marked_enriched_by_hub(tmp_path: Path) -> None:
    text = routes_text(judgment_final_koda("caseId: suspect"))

    error = load_error(tmp_path, text)

    assert_points_at(error, tmp_path, text, "caseId: suspect", "not marked x-enriched-by-hub")


def test_an_enrich_fact_must_be_one_the_registry_has(tmp_path: Path) -> None:
    text = routes_text(judgment_final_koda("convictedPerson: victim"))

    error = load_error(tmp_path, text)

    assert_points_at(error, tmp_path, text, "convictedPerson: victim", "unknown registry fact")


def test_an_enrich_target_must_be_among_the_recipients_fields(tmp_path: Path) -> None:
    routes = judgment_final_koda("convictedPerson: suspect", fields="[caseId]")
    text = routes_text(
        routes.replace("        confidential_fields: [convictedPerson.address]\n", "")
    )

    error = load_error(tmp_path, text)

    assert_points_at(error, tmp_path, text, "convictedPerson: suspect", "not among")


def test_a_catalogue_type_missing_from_the_file_is_refused(tmp_path: Path) -> None:
    text = routes_text(COURTS_CASE).replace("  hub.receipt:\n    recipients: {}\n", "")

    error = load_error(tmp_path, text)

    assert_points_at(error, tmp_path, text, "case.registered", "no route for ['hub.receipt']")


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("kind: LEAVE_GRANTED", "kind: LEAVE_APPROVED", "unknown kind 'LEAVE_APPROVED'"),
        ("consent: LEAVE", "consent: HOLIDAY", "unknown consent 'HOLIDAY'"),
        ("urgency: NORMAL", "urgency: LOW", "unknown urgency 'LOW'"),
        ("on: leave.granted", "on: leave.approved", "unknown event type"),
        ("notify_within: P1D", "notify_within: one day", "not an ISO 8601 duration"),
        ("notify_within: P1D", "notify_within: PT", "not an ISO 8601 duration"),
    ],
)
def test_an_alert_trigger_with_an_unknown_code_is_refused(
    tmp_path: Path, old: str, new: str, words: str
) -> None:
    text = routes_text(COURTS_CASE, LEAVE_ALERT.replace(old, new))

    error = load_error(tmp_path, text)

    assert_points_at(error, tmp_path, text, new, words)


@pytest.mark.parametrize(
    ("when", "words"),
    [("servesOutsidePrison2", "no field"), ("transferKind", "not a boolean field")],
)
def test_an_alert_condition_must_be_a_boolean_field_of_the_event(
    tmp_path: Path, when: str, words: str
) -> None:
    alert = LEAVE_ALERT.replace("on: leave.granted", "on: transfer.completed")
    text = routes_text(COURTS_CASE, alert + f"    when: {when}\n")

    error = load_error(tmp_path, text)

    assert_points_at(error, tmp_path, text, f"when: {when}", words)


def test_an_unknown_key_is_refused_rather_than_ignored(tmp_path: Path) -> None:
    text = routes_text(COURTS_CASE + "        field: [suspect.name]\n")

    error = load_error(tmp_path, text)

    assert_points_at(error, tmp_path, text, "field: [suspect.name]", "unknown key 'field'")


def test_a_key_given_twice_is_refused(tmp_path: Path) -> None:
    text = routes_text(COURTS_CASE + "      courts:\n        fields: [caseId]\n")

    error = load_error(tmp_path, text)

    second = len(f"routes:\n{COURTS_CASE}".splitlines()) + 1
    assert error.line == second and "'courts' appears twice" in str(error)


def test_broken_yaml_is_refused_with_its_line(tmp_path: Path) -> None:
    text = routes_text(COURTS_CASE + "          - [unclosed\n")

    error = load_error(tmp_path, text)

    assert error.line is not None and error.line >= line_of(text, "unclosed")
    assert "not valid YAML" in str(error)
