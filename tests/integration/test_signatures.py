"""Signatures on the real broker: the hub verifies what senders sign, recipients what the hub signs.

One hub for the module, whose clock the tests set (key validity is judged at
the hub's `now`, so a rotation is tested with explicit times, never by waiting).
Its trust store is the session's key sets plus a police key being rotated: the
old one ends on 1 January 2030, the new one begins a month before.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest

from connectors.common.actions import Action, Verb
from connectors.common.clock import SimulatedClock
from connectors.common.connector import ConnectorOptions
from connectors.koda.app import koda_connector
from connectors.koda.store import KodaStore
from hub.app import build_processor
from hub.envelope import new_envelope, to_headers
from hub.kafka.io import ConsumedRecord, publish, read_topic
from hub.kafka.service import HubService
from hub.kafka.topology import REGISTRY, egress
from hub.pipeline.records import OutgoingRecord
from hub.settings import KafkaSettings, SigningSettings
from hub.signing import Keyring, PrivateKey, generate_key, load_keyring, signed_headers, verify
from hub.signing.jws import BOUND_ATTRIBUTES, JWS_HEADER
from hub.signing.keys import millis
from tests.events import (
    Event,
    case_registered,
    example,
    judgment_final,
    new_case_id,
    signed,
    signer_of,
)
from tests.integration.conftest import running_hub
from tests.integration.test_connectors import wait_until
from tests.kafka_io import collect, send

pytestmark = pytest.mark.integration

OLD_ENDS = datetime(2030, 1, 1, tzinfo=UTC)
NEW_BEGINS = OLD_ENDS - timedelta(days=30)
OVERLAP = NEW_BEGINS + timedelta(days=10)


class Rotation:
    """Police's old key (ending OLD_ENDS) and new key (from NEW_BEGINS)."""

    def __init__(self) -> None:
        self.old = generate_key("police", datetime(2020, 1, 1, tzinfo=UTC), OLD_ENDS)
        self.new = generate_key("police", NEW_BEGINS)

    def keyring(self, session: Keyring) -> Keyring:
        published = [key for org in session.orgs for key in session.keys_of(org)]
        return Keyring([*published, self.old.public, self.new.public])


@pytest.fixture(scope="module")
def rotation() -> Rotation:
    return Rotation()


@pytest.fixture(scope="module")
def hub_now() -> list[int]:
    """The hub's clock (ms since the epoch); tests set it."""
    return [millis(OVERLAP)]


@pytest.fixture(scope="module")
def keyring(rotation: Rotation) -> Keyring:
    return rotation.keyring(load_keyring(SigningSettings.from_env().jwks_dir))


@pytest.fixture(scope="module")
def signing_hub(
    topics: KafkaSettings, keyring: Keyring, hub_now: list[int]
) -> Iterator[HubService]:
    with running_hub(topics, build_processor(keyring=keyring), clock=lambda: hub_now[0]) as hub:
        yield hub


def _signed_with(key: PrivateKey, item: Event) -> Event:
    """`item` signed with `key` whatever the real time (the hub judges validity at its `now`)."""
    return replace(item, headers=signed_headers(key, item.headers, item.value))


def _dead_letter(kafka: KafkaSettings, case_id: str) -> dict[str, Any]:
    [record] = collect(kafka, "hub.dlq", {case_id.encode()}, 1)
    loaded: dict[str, Any] = json.loads(record.value or b"{}")
    return loaded


def _reason_for(kafka: KafkaSettings, item: Event) -> str:
    send(kafka, [item], sign=False)
    return str(_dead_letter(kafka, item.key.decode())["reason"])


def test_one_byte_changed_in_flight_is_signature_invalid_in_the_dlq(
    signing_hub: HubService, topics: KafkaSettings
) -> None:
    genuine = signed(case_registered(new_case_id()))
    tampered = replace(genuine, value=genuine.value.replace(b"Haugen", b"Haugem", 1))

    send(topics, [tampered], sign=False)
    dead = _dead_letter(topics, tampered.key.decode())

    assert (dead["reason"], dead["actionBy"], dead["path"]) == (
        "SIGNATURE_INVALID",
        "SENDER_TECHNICAL",
        "ce_jws",
    )
    assert "Haugem" not in dead["message"]
    [receipt] = collect(topics, "egress.police", {tampered.key}, 1, receipts=True)
    answer = orjson.loads(receipt.value or b"")
    assert (answer["status"], answer["reason"], answer["actionBy"]) == (
        "REJECTED",
        "SIGNATURE_INVALID",
        "SENDER_TECHNICAL",
    )


def test_an_unsigned_event_is_signature_missing(
    signing_hub: HubService, topics: KafkaSettings
) -> None:
    assert _reason_for(topics, case_registered(new_case_id())) == "SIGNATURE_MISSING"


def test_a_key_nobody_published_is_unknown_key(
    signing_hub: HubService, topics: KafkaSettings
) -> None:
    stranger = generate_key("police", datetime(2020, 1, 1, tzinfo=UTC))
    forged = _signed_with(stranger, case_registered(new_case_id()))

    assert _reason_for(topics, forged) == "UNKNOWN_KEY"


@pytest.mark.parametrize("attribute", ["ce_id", "ce_type"])
def test_a_signature_copied_onto_another_event_is_refused(
    signing_hub: HubService, topics: KafkaSettings, attribute: str
) -> None:
    case_id = new_case_id()
    original = signed(case_registered(case_id))
    other = case_registered(case_id)
    if attribute == "ce_type":  # the same id and data, claimed as another police event type
        same_id = original.event_id
        envelope = new_envelope(
            "victim.notification-requested", 1, "urn:no:justice:police", case_id, event_id=same_id
        )
        other = replace(other, headers=to_headers(envelope))
    token = dict(original.headers)[JWS_HEADER]
    copied = replace(other, headers=[*other.headers, (JWS_HEADER, token)])

    assert _reason_for(topics, copied) == "SIGNATURE_INVALID"


def test_during_a_key_rotation_both_keys_verify_and_the_old_one_is_refused_after_its_end(
    signing_hub: HubService, topics: KafkaSettings, rotation: Rotation, hub_now: list[int]
) -> None:
    by_old, by_new = new_case_id(), new_case_id()
    hub_now[0] = millis(OVERLAP)
    send(topics, [_signed_with(rotation.old, case_registered(by_old))], sign=False)
    send(topics, [_signed_with(rotation.new, case_registered(by_new))], sign=False)
    overlap = collect(topics, egress("courts"), {by_old.encode(), by_new.encode()}, 2)

    late_old, late_new = new_case_id(), new_case_id()
    hub_now[0] = millis(OLD_ENDS + timedelta(minutes=1))
    send(topics, [_signed_with(rotation.old, case_registered(late_old))], sign=False)
    send(topics, [_signed_with(rotation.new, case_registered(late_new))], sign=False)
    refused = _dead_letter(topics, late_old)
    accepted = collect(topics, egress("courts"), {late_new.encode()}, 1)
    hub_now[0] = millis(OVERLAP)

    assert {r.key for r in overlap} == {by_old.encode(), by_new.encode()}
    assert refused["reason"] == "UNKNOWN_KEY"
    assert len(accepted) == 1


def test_a_key_before_its_validity_begins_is_unknown_key(
    signing_hub: HubService, topics: KafkaSettings, rotation: Rotation, hub_now: list[int]
) -> None:
    hub_now[0] = millis(NEW_BEGINS - timedelta(days=1))
    try:
        reason = _reason_for(topics, _signed_with(rotation.new, case_registered(new_case_id())))
    finally:
        hub_now[0] = millis(OVERLAP)

    assert reason == "UNKNOWN_KEY"


def _verifies_as_hub(keyring: Keyring, record: ConsumedRecord, now_ms: int) -> bool:
    attributes = [(record.header(name) or b"").decode() for name in BOUND_ATTRIBUTES]
    token = (record.header(JWS_HEADER) or b"").decode() or None
    return verify(keyring, "hub", token, record.value or b"", attributes, now_ms=now_ms) is None


def test_the_hub_signs_what_it_delivers_with_its_own_key_in_place_of_the_senders(
    signing_hub: HubService, topics: KafkaSettings, keyring: Keyring, hub_now: list[int]
) -> None:
    sent = signed(case_registered(new_case_id()))
    send(topics, [sent], sign=False)

    [delivered] = collect(topics, egress("courts"), {sent.key}, 1)

    assert [name for name, _ in delivered.headers].count(JWS_HEADER) == 1
    assert delivered.header(JWS_HEADER) != dict(sent.headers)[JWS_HEADER]
    assert _verifies_as_hub(keyring, delivered, hub_now[0])


def test_the_hub_publishes_the_key_sets_it_trusts_in_the_registry(
    signing_hub: HubService, topics: KafkaSettings, keyring: Keyring
) -> None:
    wanted = {f"jwks/{org}".encode() for org in keyring.orgs}
    records = read_topic(topics, REGISTRY, keys=wanted)
    latest = {r.key: orjson.loads(r.value or b"{}") for r in records}

    assert latest[b"jwks/police"] == keyring.jwks_of("police")
    assert set(latest) == wanted


def _to_koda(case_id: str, sign_as: Callable[[list[tuple[str, bytes]], bytes], Any]) -> Any:
    """A judgment.final written straight to egress.koda, signed by `sign_as`."""
    data = example("judgment.final", 2, "domestic-abuse-with-contact-ban-enriched", case_id)
    value = orjson.dumps(data)
    envelope = new_envelope("judgment.final", 2, "urn:no:justice:courts", case_id)
    headers = sign_as(to_headers(envelope), value)
    return OutgoingRecord(egress("koda"), case_id.encode(), value, tuple(headers)), envelope.id


async def test_koda_verifies_the_hubs_signature_and_refuses_what_does_not_verify(
    signing_hub: HubService, topics: KafkaSettings
) -> None:
    store = KodaStore()
    actions: list[Action] = []
    options = ConnectorOptions(
        group_id=f"koda-signatures-{new_case_id()}", start_from="latest", on_action=actions.append
    )
    koda = koda_connector(topics, store, SimulatedClock(200.0), options=options)
    hub_signer, courts_signer = signer_of("hub"), signer_of("courts")
    not_the_hub, not_the_hub_id = _to_koda(new_case_id(), courts_signer.sign_headers)
    tampered, tampered_id = _to_koda(new_case_id(), hub_signer.sign_headers)
    tampered = replace(tampered, value=(tampered.value or b"").replace(b"2", b"3", 1))
    genuine = new_case_id()
    await koda.start()
    try:
        await koda.ready()
        await asyncio.to_thread(publish, topics, [not_the_hub, tampered])
        await asyncio.to_thread(send, topics, [case_registered(genuine), judgment_final(genuine)])
        await wait_until(lambda: store.executions() != [], 90, "the hub's delivery processed")
        refused = {a.event_id: a.note for a in actions if a.verb is Verb.REFUSED}
    finally:
        # Bounded: a connector that does not stop must fail this test, not hang the suite.
        await asyncio.wait_for(koda.stop(), 30)

    assert refused == {not_the_hub_id: "UNKNOWN_KEY", tampered_id: "SIGNATURE_INVALID"}
    assert not {not_the_hub_id, tampered_id} & {r.event_id for r in store.received()}
    confirmed = {
        row.event.data["eventId"]: (row.event.data["status"], row.event.data.get("reason"))
        for row in store.outbox("delivery.confirmed")
    }
    assert confirmed[not_the_hub_id] == ("FAILED", "RECEIVER_TECHNICAL_ERROR")
    assert confirmed[tampered_id] == ("FAILED", "RECEIVER_TECHNICAL_ERROR")
    assert [e.case_id for e in store.executions()] == [genuine]


def test_the_audit_record_keeps_the_digest_of_the_senders_own_signature(
    signing_hub: HubService, topics: KafkaSettings
) -> None:
    registered = signed(case_registered(new_case_id()))
    send(topics, [registered], sign=False)

    [audit] = collect(topics, "hub.audit", {registered.key}, 1)

    token = dict(registered.headers)["ce_jws"]
    assert orjson.loads(audit.value or b"")["signatureDigest"] == hashlib.sha256(token).hexdigest()
