"""The secured broker (`hub broker up --secure`): SCRAM logins and the ACL matrix, for real.

A broker of this module's own, formatted with the six SCRAM users, the
topology and hub/kafka/acl.py's ACLs. Each system connects with its own login
and the broker refuses what DESIGN.md section 3 does not let it do; the hub,
logged in as `hub`, still rejects an event whose `ce_source` lies, even though
the broker let police write it to its own topic.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer
from confluent_kafka.admin import (  # type: ignore[attr-defined]
    AclBindingFilter,
    AclOperation,
    AclPermissionType,
    ResourcePatternType,
    ResourceType,
)

from hub.catalogue.catalogue import default_schemas_dir, load_catalogue
from hub.kafka.acl import ACL_MATRIX, apply_acls, entries
from hub.kafka.admin import admin_client, ensure_topics
from hub.kafka.io import read_topic
from hub.kafka.service import HubService
from hub.kafka.topology import AGENCIES, ALERTS, AUDIT, DLQ, REDRIVE, REGISTRY, egress, ingress
from hub.kafka.topology import topology as hub_topology
from hub.localbroker import LocalBroker
from hub.localbroker.credentials import USERS
from hub.ops.audit import verify_audit
from hub.ops.dlq import dead_letters
from hub.ops.replay import ReplayQuery, replay
from hub.ops.trace import trace_case
from hub.pipeline.route import default_routes_path, load_routes
from hub.settings import KafkaSettings
from tests.brokers import local_broker_settings
from tests.events import case_registered, event, new_case_id
from tests.integration.conftest import running_hub
from tests.kafka_io import send

pytestmark = pytest.mark.integration

WAIT = 20.0  # seconds: the longest any single refusal or delivery may take

# librdkafka logs each refused request; these tests expect them.
_QUIET = logging.getLogger("tests.secure_broker.kafka")
_QUIET.addHandler(logging.NullHandler())
_QUIET.propagate = False


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBroker]:
    """A secured broker with the hub's topics and the ACL matrix applied by its admin."""
    settings = local_broker_settings(tmp_path_factory.mktemp("secured-kafka"))
    broker = LocalBroker(replace(settings, secure=True))
    broker.up(timeout=120)
    try:
        admin = broker.client_settings("admin")
        ensure_topics(admin, hub_topology())
        apply_acls(admin)
        yield broker
    finally:
        broker.down()


@pytest.fixture(scope="module")
def secured_hub(secured: LocalBroker) -> Iterator[HubService]:
    """The hub, in this process, logged in as `hub`."""
    with running_hub(secured.client_settings("hub")) as service:
        yield service


def _produce(login: KafkaSettings, topic: str, key: bytes = b"k") -> KafkaError | None:
    """Write one record as an agency's idempotent producer does; the delivery error, if any."""
    outcome: list[KafkaError | None] = []
    config: dict[str, Any] = {
        **login.librdkafka_options(),
        "enable.idempotence": True,
        "message.timeout.ms": int(WAIT * 1000),
        "logger": _QUIET,
    }
    producer = Producer(config)
    producer.produce(topic, b"{}", key=key, on_delivery=lambda error, _: outcome.append(error))
    producer.flush(WAIT + 5)
    assert outcome, f"no delivery report for {topic} within {WAIT} s"
    return outcome[0]


def _consumer(login: KafkaSettings, group: str, **extra: Any) -> Consumer:
    config: dict[str, Any] = {
        **login.librdkafka_options(),
        "group.id": group,
        "auto.offset.reset": "earliest",
        "logger": _QUIET,
        **extra,
    }
    return Consumer(config)


def _first_error(consumer: Consumer) -> KafkaError | None:
    """The first error the consumer reports within WAIT seconds."""
    deadline = time.monotonic() + WAIT
    try:
        while time.monotonic() < deadline:
            message = consumer.poll(0.5)
            error = None if message is None else message.error()
            if error is not None:
                return error
    finally:
        consumer.close()
    return None


def _subscribe_error(login: KafkaSettings, topic: str, group: str) -> KafkaError | None:
    consumer = _consumer(login, group)
    consumer.subscribe([topic])
    return _first_error(consumer)


def _read_own(login: KafkaSettings, topic: str, group: str, key: bytes) -> list[dict[str, Any]]:
    """The records with `key` on `topic`, read in `group` and committed, as an agency reads."""
    consumer = _consumer(login, group, **{"isolation.level": "read_committed"})
    consumer.subscribe([topic])
    found: list[dict[str, Any]] = []
    deadline = time.monotonic() + WAIT
    try:
        while not found and time.monotonic() < deadline:
            for message in consumer.consume(num_messages=100, timeout=0.5):
                assert message.error() is None, message.error()
                if message.key() == key:
                    found.append(json.loads(message.value() or b"null"))
        consumer.commit(asynchronous=False)
    finally:
        consumer.close()
    return found


# -- what the broker refuses --------------------------------------------------------------


def test_police_may_not_write_the_courts_ingress(secured: LocalBroker) -> None:
    error = _produce(secured.client_settings("police"), ingress("courts"))

    assert error is not None and error.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED


def test_police_may_not_read_the_koda_egress(secured: LocalBroker) -> None:
    error = _subscribe_error(secured.client_settings("police"), egress("koda"), "police-spy")

    assert error is not None and error.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED


@pytest.mark.parametrize("writer", [*AGENCIES, "operations"])
def test_only_the_hub_may_write_any_egress_topic(secured: LocalBroker, writer: str) -> None:
    login = secured.client_settings(writer)

    errors = {topic: _produce(login, topic) for topic in map(egress, AGENCIES)}

    assert {t: e and e.name() for t, e in errors.items()} == dict.fromkeys(
        errors, "TOPIC_AUTHORIZATION_FAILED"
    )


@pytest.mark.parametrize("topic", [AUDIT, DLQ, REGISTRY])
def test_police_may_not_read_the_hubs_own_topics(secured: LocalBroker, topic: str) -> None:
    error = _subscribe_error(secured.client_settings("police"), topic, "police-curious")

    assert error is not None and error.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED


def test_an_agency_may_not_use_another_agencys_consumer_group(secured: LocalBroker) -> None:
    error = _subscribe_error(secured.client_settings("police"), egress("police"), "courts-x")

    assert error is not None and error.code() == KafkaError.GROUP_AUTHORIZATION_FAILED


def test_an_agency_may_not_take_the_hubs_transactional_id(secured: LocalBroker) -> None:
    """Otherwise police could fence the running hub by starting a producer with its id."""
    config: dict[str, Any] = {
        **secured.client_settings("police").librdkafka_options(),
        "transactional.id": "justice-hub-impostor",
        "logger": _QUIET,
    }
    producer = Producer(config)

    with pytest.raises(KafkaException) as refused:
        producer.init_transactions(WAIT)

    assert refused.value.args[0].code() == KafkaError.TRANSACTIONAL_ID_AUTHORIZATION_FAILED


def test_operations_may_not_write_an_ingress_topic_or_read_the_registry(
    secured: LocalBroker,
) -> None:
    operations = secured.client_settings("operations")

    written = _produce(operations, ingress("police"))
    read = _subscribe_error(operations, REGISTRY, "hub-tools-reader")

    assert written is not None and written.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED
    assert read is not None and read.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED


def test_a_wrong_password_fails_the_login_with_a_clear_error(secured: LocalBroker) -> None:
    errors: list[KafkaError] = []
    config: dict[str, Any] = {
        **secured.client_settings("police").librdkafka_options(),
        "sasl.password": "not-the-password",
        "error_cb": errors.append,
        "logger": _QUIET,
    }
    producer = Producer(config)
    deadline = time.monotonic() + WAIT
    while not errors and time.monotonic() < deadline:
        producer.poll(0.2)

    assert errors, f"no error reported within {WAIT} s"
    assert errors[0].code() == KafkaError._AUTHENTICATION
    assert "invalid credentials with SASL mechanism SCRAM-SHA-512" in errors[0].str()


# -- what the broker allows ---------------------------------------------------------------


def test_police_write_their_ingress_and_read_their_egress(secured: LocalBroker) -> None:
    police = secured.client_settings("police")
    key = uuid.uuid4().hex.encode()
    assert _produce(secured.client_settings("admin"), egress("police"), key) is None

    written = _produce(police, ingress("police"))
    read = _read_own(police, egress("police"), "police-notifier", key)

    assert written is None
    assert read == [{}]


def test_mock_connectors_consume_in_their_connector_group(secured: LocalBroker) -> None:
    courts = secured.client_settings("courts")
    key = uuid.uuid4().hex.encode()
    assert _produce(secured.client_settings("admin"), egress("courts"), key) is None

    assert _read_own(courts, egress("courts"), "connector-courts", key) == [{}]


def test_applying_the_acls_again_creates_nothing_and_finds_nothing_else(
    secured: LocalBroker,
) -> None:
    outcome = apply_acls(secured.client_settings("admin"))

    assert outcome.created == []
    assert outcome.not_in_matrix == []
    assert len(outcome.existed) == len(entries())


def test_topics_init_as_admin_restores_a_missing_acl_and_reports_it(
    secured: LocalBroker,
) -> None:
    admin = secured.client_settings("admin")
    [koda_groups] = [e for e in entries() if e.principal == "User:koda" and e.name == "koda-"]
    client = admin_client(admin)
    only_it = AclBindingFilter(
        ResourceType.GROUP,
        "koda-",
        ResourcePatternType.PREFIXED,
        "User:koda",
        "*",
        AclOperation.READ,
        AclPermissionType.ALLOW,
    )
    for future in client.delete_acls([only_it], request_timeout=WAIT).values():
        assert len(future.result(WAIT)) == 1

    result = subprocess.run(
        [sys.executable, "-m", "hub", "topics", "init", "--json"],
        env={**os.environ, **_environment(admin)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)["acls"]
    assert report["created"] == [koda_groups.as_dict()]
    assert report["existed"] == len(entries()) - 1
    assert report["not_in_matrix"] == []


def _environment(login: KafkaSettings) -> dict[str, str]:
    """The environment a person sets to run `hub` as `login`."""
    return {
        "HUB_KAFKA_BOOTSTRAP": login.bootstrap,
        "HUB_KAFKA_SECURITY_PROTOCOL": login.security_protocol,
        "HUB_KAFKA_SASL_MECHANISM": login.sasl_mechanism or "",
        "HUB_KAFKA_SASL_USERNAME": login.sasl_username or "",
        "HUB_KAFKA_SASL_PASSWORD": login.sasl_password or "",
    }


# -- the hub on the secured broker ---------------------------------------------------------


def test_the_hub_delivers_a_police_event_to_courts(
    secured: LocalBroker, secured_hub: HubService
) -> None:
    case_id = new_case_id()
    send(secured.client_settings("police"), [case_registered(case_id)])

    delivered = _read_own(
        secured.client_settings("courts"), egress("courts"), "courts-case-desk", case_id.encode()
    )

    assert [d["caseId"] for d in delivered] == [case_id]


def test_the_hub_rejects_a_spoofed_source_the_broker_let_through(
    secured: LocalBroker, secured_hub: HubService
) -> None:
    case_id = new_case_id()
    genuine = case_registered(case_id)
    spoofed = event(
        "case.registered", 2, "police", json.loads(genuine.value), source="urn:no:justice:courts"
    )
    operations = secured.client_settings("operations")

    send(secured.client_settings("police"), [spoofed])  # the broker allows: police's own topic
    letters = read_topic(operations, DLQ, keys={case_id.encode()}, done=bool, timeout=WAIT)

    assert [json.loads(r.value or b"{}")["reason"] for r in letters] == ["UNAUTHORIZED_SOURCE"]


def test_operations_tools_work_with_the_operations_login(
    secured: LocalBroker, secured_hub: HubService
) -> None:
    """`hub dlq`, `hub trace`, `hub replay` and `hub audit verify` as operations run them."""
    operations = secured.client_settings("operations")
    case_id = new_case_id()
    spoofed = event(
        "case.registered",
        2,
        "police",
        json.loads(case_registered(case_id).value),
        source="urn:no:justice:koda",
    )
    send(secured.client_settings("police"), [case_registered(case_id), spoofed])
    deadline = time.monotonic() + WAIT
    while not (letters := dead_letters(operations, case_id=case_id)):
        assert time.monotonic() < deadline, f"no dead letter for {case_id} within {WAIT} s"

    traced = trace_case(operations, case_id)
    replayed = replay(operations, ReplayQuery(case_id=case_id))
    routes = load_routes(default_routes_path(), load_catalogue(default_schemas_dir()))
    report = verify_audit(operations, routes)

    assert [letter.reason for letter in letters] == ["UNAUTHORIZED_SOURCE"]
    assert sorted(e["action"] for e in traced) == ["ACCEPT", "REJECT"]
    hops = {hop["topic"] for e in traced for hop in e["hops"] if hop["atMs"] is not None}
    assert {egress("courts"), DLQ} <= hops
    assert len(replayed) == 2
    assert report.records > 0


# -- the matrix itself ----------------------------------------------------------------------

# DESIGN.md section 3, "written by" and "read by", with operations reading for the
# auditors (trace, replay, audit verify) and writing re-drives.
EXPECTED: dict[str, tuple[set[str], set[str]]] = {
    **{ingress(a): ({a}, {"hub", "operations"}) for a in AGENCIES},
    **{egress(a): ({"hub"}, {a, "operations"}) for a in AGENCIES},
    DLQ: ({"hub"}, {"operations"}),
    AUDIT: ({"hub"}, {"hub", "operations"}),
    REGISTRY: ({"hub"}, {"hub"}),
    ALERTS: ({"hub"}, {"hub", "operations"}),
    REDRIVE: ({"operations"}, {"hub", "operations"}),
}


def _who(topic: str, operation: str) -> set[str]:
    return {
        grant.user
        for grant in ACL_MATRIX
        if grant.resource == "topic"
        and operation in grant.operations
        and (topic == grant.name if grant.pattern == "literal" else topic.startswith(grant.name))
    }


def test_the_matrix_is_design_section_3s_written_by_and_read_by_columns() -> None:
    found = {
        spec.name: (_who(spec.name, "WRITE"), _who(spec.name, "READ")) for spec in hub_topology()
    }

    assert found == EXPECTED


def test_every_user_but_admin_has_rights_and_admin_needs_none() -> None:
    assert {grant.user for grant in ACL_MATRIX} == set(USERS) - {"admin"}


def test_the_passwords_stay_in_files_only_their_owner_may_read(secured: LocalBroker) -> None:
    path = Path(secured.status().credentials_file or "")
    passwords = json.loads(path.read_text())["users"]
    logs = "".join(p.read_text() for p in secured.log_file.parent.glob("*.log"))

    assert path.stat().st_mode & 0o777 == 0o600
    assert set(passwords) == set(USERS)
    # server.properties holds the admin's, for the broker's own inter-broker login.
    assert (secured.settings.data_dir / "server.properties").stat().st_mode & 0o777 == 0o600
    assert not [user for user, password in passwords.items() if password in logs]
