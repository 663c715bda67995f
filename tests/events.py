"""Synthetic events for tests, built from the catalogue's own valid examples."""

from __future__ import annotations

import copy
import json
import random
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from hub.envelope import new_envelope, to_headers
from hub.kafka.topology import ingress
from hub.settings import SigningSettings
from hub.signing import EventSigner, KeyFileError, load_signer
from tests.conftest import REPOSITORY

SCHEMAS = REPOSITORY / "schemas"


@cache
def _example(type_name: str, version: int, name: str) -> dict[str, Any]:
    path = SCHEMAS / type_name / "examples" / f"v{version}" / f"valid-{name}.json"
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


def example(
    type_name: str, version: int, name: str, case_id: str, **changes: Any
) -> dict[str, Any]:
    """A valid example of the catalogue, moved to `case_id`, with top-level `changes`."""
    data = copy.deepcopy(_example(type_name, version, name))
    return {**data, "caseId": case_id, **changes}


def new_case_id(rng: random.Random | None = None) -> str:
    """A police case number no other test uses (8 digits)."""
    return f"{(rng or random.SystemRandom()).randrange(10**7, 10**8):08d}"


@dataclass(frozen=True)
class Event:
    topic: str
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]
    event_id: str


def event(
    type_name: str,
    version: int,
    agency: str,
    data: dict[str, Any],
    *,
    event_id: str | None = None,
    source: str | None = None,
) -> Event:
    """`data` as the CloudEvent `agency` publishes on its ingress topic."""
    envelope = new_envelope(
        type_name, version, source or f"urn:no:justice:{agency}", data["caseId"], event_id=event_id
    )
    value = json.dumps(data).encode()
    return Event(ingress(agency), data["caseId"].encode(), value, to_headers(envelope), envelope.id)


def case_registered(case_id: str) -> Event:
    """Police register a domestic-abuse case with one victim (V001), suspect Jonas Haugen."""
    return event(
        "case.registered",
        2,
        "police",
        example("case.registered", 2, "domestic-abuse-and-threats", case_id),
    )


def notification_requested(case_id: str, victim_id: str, events: list[str]) -> Event:
    data = example(
        "victim.notification-requested", 1, "victim-sms", case_id, victimId=victim_id, events=events
    )
    return event("victim.notification-requested", 1, "police", data)


def judgment_final(case_id: str) -> Event:
    data = example("judgment.final", 2, "domestic-abuse-with-contact-ban-enriched", case_id)
    data.pop("convictedPerson", None)  # the hub adds it from what police registered
    return event("judgment.final", 2, "courts", data)


def koda_event(type_name: str, name: str, case_id: str) -> Event:
    return event(type_name, 1, "koda", example(type_name, 1, name, case_id))


@cache
def _signer(private_dir: Path, org: str) -> EventSigner | None:
    try:
        return load_signer(private_dir, org)
    except KeyFileError:
        return None  # an organisation without a key: its events go unsigned


def signer_of(org: str) -> EventSigner:
    """`org`'s signer with the test session's key (police, courts, koda, hub)."""
    signer = _signer(SigningSettings.from_env().private_dir, org)
    assert signer is not None, f"the test session has no key for {org}"
    return signer


def signed(item: Event) -> Event:
    """`item` signed (its ce_jws replaced) by the organisation its ce_source names.

    The keys are the test session's (HUB_SIGNING_KEYS_DIR). Left as it is when
    it names no source or one without a key, or lacks an attribute a signature
    binds: the hub then refuses it for that.
    """
    source = next((v for k, v in item.headers if k == "ce_source"), None)
    if source is None:
        return item
    signer = _signer(SigningSettings.from_env().private_dir, source.decode().rpartition(":")[2])
    if signer is None:
        return item
    try:
        headers = signer.sign_headers(item.headers, item.value)
    except KeyError:
        return item
    return replace(item, headers=headers)


def confirmation(agency: str, of: Event, case_id: str, **outcome: Any) -> Event:
    """`agency` tells the hub it processed (or, with `status="FAILED"`, could not) `of`."""
    data = {
        "caseId": case_id,
        "eventId": of.event_id,
        "status": "PROCESSED",
        "confirmedAt": datetime.now(UTC).isoformat(),
        **outcome,
    }
    return event("delivery.confirmed", 1, agency, data)


def retraction(original: Event, type_name: str, agency: str, case_id: str) -> Event:
    """`agency` takes back `original` (a `type_name`), registered in error."""
    data = {
        "caseId": case_id,
        "retractsEventId": original.event_id,
        "reason": "REGISTERED_IN_ERROR",
        "retractedAt": datetime.now(UTC).isoformat(),
    }
    return event(f"{type_name}.retracted", 1, agency, data)


def correction(original: Event, type_name: str, agency: str, data: dict[str, Any]) -> Event:
    """`agency` replaces `original` (a `type_name`) with the whole new payload `data`."""
    body = {
        "caseId": data["caseId"],
        "correctsEventId": original.event_id,
        "reason": "DATA_ERROR",
        "correctedAt": datetime.now(UTC).isoformat(),
        "data": data,
    }
    return event(f"{type_name}.corrected", 1, agency, body)
