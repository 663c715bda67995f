"""The hub's AsyncAPI 3.0 document, generated from what the hub runs on.

FastStream documents only its own subscribers, and the hub's hot path is not
FastStream; so the document is built from the sources of truth themselves:
the topics of `hub.kafka.topology`, the catalogue's schemas (each type's
every major version a publisher may send, the canonical one the hub
delivers), the routes (who receives which type and which of its fields) and
the CloudEvents headers of `hub.envelope`. `hub contracts asyncapi` writes
it to docs/asyncapi.yaml; a test fails when that file drifts from this.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from hub import __version__
from hub.catalogue.catalogue import Catalogue
from hub.envelope import new_envelope, to_headers
from hub.kafka.topology import AGENCIES, DLQ, TopicSpec, egress, ingress, topology
from hub.pipeline.amendments import amendment_type
from hub.pipeline.reasons import ActionBy, RejectReason
from hub.pipeline.route import Routes
from hub.signing import JWS_HEADER

ASYNCAPI_VERSION = "3.0.0"
SCHEMA_FORMAT = "application/schema+json;version=draft-2020-12"
RECEIPT = "hub.receipt"  # goes to the sender's own egress topic, outside the routes
_HEADER_TEXT = {
    "ce_specversion": "CloudEvents spec version: 1.0.",
    "ce_id": "Event id; with ce_source it identifies the event (a resend is a duplicate).",
    "ce_source": "The producing system, urn:no:justice:<agency>.",
    "ce_type": "no.justice.<type>, e.g. no.justice.judgment.final.",
    "ce_time": "When the event occurred (RFC 3339).",
    "ce_subject": "The case id; also the record key.",
    "ce_dataschema": "urn:no:justice:schema:<type>:<major version> of the value.",
    "content-type": "application/json: the value is the event's data alone (binary mode).",
    "traceparent": "W3C Trace Context, so one case is one trace.",
    "tracestate": "W3C Trace Context vendor state.",
    JWS_HEADER: "The sender's detached JWS (EdDSA) over the value and the identifying headers.",
}


def asyncapi_document(catalogue: Catalogue, routes: Routes) -> dict[str, Any]:
    """The AsyncAPI 3.0 document of the hub's topics, messages and each agency's operations."""
    topics = {spec.name: spec for spec in topology()}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {"CloudEventHeaders": _headers_schema()}
    for event_type in catalogue.types.values():
        for number, version in event_type.versions.items():
            schemas[_name(event_type.name, number)] = {
                "schemaFormat": SCHEMA_FORMAT,
                "schema": version.bundled,
            }
    for agency in AGENCIES:
        sent = [
            _name(t.name, n)
            for t in catalogue.types.values()
            if agency in t.producers
            for n in t.versions
        ]
        received = {
            _name(name, catalogue.types[name].canonical_version): recipient.fields
            + recipient.confidential_fields
            for name, route in routes.routes.items()
            for recipient in route.recipients
            if recipient.agency == agency
        }
        received[_name(RECEIPT, catalogue.types[RECEIPT].canonical_version)] = ()
        # Retractions and corrections reach whoever got the original (delivered whole).
        for name, known in catalogue.types.items():
            amending = amendment_type(name)
            if amending is not None and any(
                r.agency == agency for r in routes.route_for(amending.amends).recipients
            ):
                received[_name(name, known.canonical_version)] = ()
        for key in sent:
            messages.setdefault(key, _message(catalogue, key))
        for key, fields in received.items():
            messages[f"{key}.to-{agency}"] = _message(catalogue, key, agency, fields)
        channels[ingress(agency)] = _channel(topics[ingress(agency)], {k: k for k in sent})
        channels[egress(agency)] = _channel(
            topics[egress(agency)], {f"{k}.to-{agency}": f"{k}.to-{agency}" for k in received}
        )
        operations[f"{agency}.publish"] = _operation("send", ingress(agency), sent, agency)
        to_agency = [f"{k}.to-{agency}" for k in received]
        operations[f"{agency}.receive"] = _operation("receive", egress(agency), to_agency, agency)
    messages["deadLetter"] = _dead_letter()
    channels[DLQ] = _channel(topics[DLQ], {"deadLetter": "deadLetter"})
    operations["operations.readDeadLetters"] = _operation(
        "receive", DLQ, ["deadLetter"], "operations"
    )
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": "Justice-chain event hub",
            "version": __version__,
            "description": (
                "Versioned, schema-checked CloudEvents (Kafka binary mode) between police, "
                "courts and the correctional service (KODA). Each agency writes only its "
                "ingress topic and reads only its egress topic; the hub validates, upcasts to "
                "the canonical version and gives each recipient only the fields its route "
                "names (x-fields). Generated by `hub contracts asyncapi`: do not edit."
            ),
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }


def default_asyncapi_path() -> Path:
    """docs/asyncapi.yaml in the repository beside the hub package."""
    return Path(__file__).resolve().parents[2] / "docs" / "asyncapi.yaml"


def asyncapi_yaml(document: Mapping[str, Any]) -> str:
    """The document as stable YAML (same input, same bytes: the drift test compares them)."""
    return yaml.safe_dump(dict(document), sort_keys=False, allow_unicode=True, width=100)


def _name(type_name: str, version: int) -> str:
    return f"{type_name}.v{version}"


def _channel(spec: TopicSpec, messages: Mapping[str, str]) -> dict[str, Any]:
    return {
        "address": spec.name,
        "description": f"{spec.purpose}; {spec.partitions} partitions, keyed by case id.",
        "messages": {
            key: {"$ref": f"#/components/messages/{ref}"} for key, ref in messages.items()
        },
    }


def _operation(action: str, channel: str, keys: list[str], who: str) -> dict[str, Any]:
    return {
        "action": action,
        "summary": f"{who} {'publishes to' if action == 'send' else 'reads'} {channel}",
        "channel": {"$ref": f"#/channels/{channel}"},
        "messages": [{"$ref": f"#/channels/{channel}/messages/{key}"} for key in keys],
    }


def _message(
    catalogue: Catalogue, key: str, recipient: str | None = None, fields: tuple[str, ...] = ()
) -> dict[str, Any]:
    type_name, _, version = key.rpartition(".v")
    event_type = catalogue.types[type_name]
    message: dict[str, Any] = {
        "name": event_type.ce_type,
        "title": f"{type_name} v{version}",
        "summary": event_type.summary,
        "contentType": "application/json",
        "headers": {"$ref": "#/components/schemas/CloudEventHeaders"},
        "payload": {"$ref": f"#/components/schemas/{key}"},
        "bindings": {"kafka": {"key": {"type": "string", "description": "the case id"}}},
    }
    if recipient is not None and fields:
        message["description"] = (
            f"As {recipient} receives it: the canonical version, only the fields its route names."
        )
        message["x-fields"] = list(fields)
    elif recipient is not None:
        message["description"] = f"The hub's receipt to {recipient} for each event it sent."
    return message


def _headers_schema() -> dict[str, Any]:
    sample = new_envelope("case.registered", 1, "urn:no:justice:police", "00000000")
    names = [name for name, _ in to_headers(sample)] + ["traceparent", "tracestate", JWS_HEADER]
    return {
        "type": "object",
        "required": [name for name, _ in to_headers(sample)],
        "properties": {
            name: {"type": "string", "description": _HEADER_TEXT[name]} for name in names
        },
    }


def _dead_letter() -> dict[str, Any]:
    return {
        "name": "hub.dead-letter",
        "title": "A rejected event",
        "summary": "Why the hub refused an event, who must act, and the original byte for byte.",
        "contentType": "application/json",
        "payload": {
            "type": "object",
            "required": ["reason", "message", "actionBy", "original"],
            "properties": {
                "reason": {"enum": [reason.value for reason in RejectReason]},
                "message": {"type": "string"},
                "path": {"type": ["string", "null"], "description": "JSON pointer, when known"},
                "actionBy": {"enum": [who.value for who in ActionBy]},
                "eventId": {"type": ["string", "null"]},
                "source": {"type": ["string", "null"]},
                "type": {"type": ["string", "null"]},
                "caseId": {"type": ["string", "null"]},
                "rejectedAtMs": {"type": "integer"},
                "original": {
                    "type": "object",
                    "description": "where it was read; key, headers and value in base64",
                },
            },
        },
    }
