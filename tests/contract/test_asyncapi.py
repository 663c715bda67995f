"""docs/asyncapi.yaml: generated from topology, catalogue and routes, and kept so."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator  # type: ignore[import-untyped,unused-ignore]

from hub.catalogue.catalogue import default_schemas_dir, load_catalogue
from hub.contracts.asyncapi import asyncapi_document, asyncapi_yaml, default_asyncapi_path
from hub.kafka.topology import AGENCIES, egress, ingress
from hub.pipeline.route import default_routes_path, load_routes

pytestmark = pytest.mark.contract

# The official JSON Schema of AsyncAPI 3.0.0 (github.com/asyncapi/spec-json-schemas,
# schemas/3.0.0-without-$id.json at 7dd3990, Apache-2.0), minified.
ASYNCAPI_SCHEMA = Path(__file__).with_name("asyncapi-3.0.0.schema.json")


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    catalogue = load_catalogue(default_schemas_dir())
    return asyncapi_document(catalogue, load_routes(default_routes_path(), catalogue))


def _resolve(document: dict[str, Any], ref: str) -> Any:
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def test_docs_asyncapi_has_not_drifted_from_the_code_and_schemas(document: dict[str, Any]) -> None:
    written = default_asyncapi_path().read_text(encoding="utf-8")

    assert written == asyncapi_yaml(document), "run `hub contracts asyncapi` and commit the result"


def test_the_document_is_valid_asyncapi_3(document: dict[str, Any]) -> None:
    validator = Draft7Validator(json.loads(ASYNCAPI_SCHEMA.read_text(encoding="utf-8")))

    problems = [
        f"{list(e.absolute_path)[:4]}: {e.message[:200]}" for e in validator.iter_errors(document)
    ]

    assert problems == []


def test_every_agency_sends_to_its_ingress_and_receives_from_its_egress(
    document: dict[str, Any],
) -> None:
    assert document["asyncapi"] == "3.0.0"
    for agency in AGENCIES:
        send, receive = (
            document["operations"][f"{agency}.publish"],
            document["operations"][f"{agency}.receive"],
        )
        assert (send["action"], send["channel"]["$ref"]) == (
            "send",
            f"#/channels/{ingress(agency)}",
        )
        assert (receive["action"], receive["channel"]["$ref"]) == (
            "receive",
            f"#/channels/{egress(agency)}",
        )


def test_every_reference_resolves(document: dict[str, Any]) -> None:
    refs = []

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
                refs.append(node["$ref"])
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect({key: document[key] for key in ("channels", "operations")})
    collect(document["components"]["messages"])
    assert refs
    for ref in refs:
        _resolve(document, ref)


def test_police_get_the_fields_of_their_route_for_the_final_judgment(
    document: dict[str, Any],
) -> None:
    message = document["components"]["messages"]["judgment.final.v2.to-police"]

    assert "convictedPerson" not in message["x-fields"]
    assert "sentence" in message["x-fields"]
    assert yaml.safe_load(asyncapi_yaml(document)) == document
