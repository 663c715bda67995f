"""The secured broker with TLS (`hub broker up --secure --tls`): SASL_SSL, for real.

A broker of this module's own, formatted with the SCRAM users and a CA and
server certificate made for it. Every client here is configured as a person
would configure it: from the HUB_KAFKA_* variables that `hub broker status`
and the credentials file give. Clients that trust the broker's CA connect,
with confluent-kafka and with aiokafka; clients that trust another CA, or
speak no TLS, are refused; the hub delivers an event end to end over TLS.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaConnectionError
from confluent_kafka import KafkaError, Producer
from cryptography import x509

from hub.kafka.acl import apply_acls
from hub.kafka.admin import ensure_topics
from hub.kafka.clients import LOG
from hub.kafka.io import publish
from hub.kafka.topology import egress
from hub.kafka.topology import topology as hub_topology
from hub.localbroker import BrokerStatus, LocalBroker
from hub.localbroker.tls import write_ca_certificate
from hub.pipeline.records import OutgoingRecord
from hub.settings import KafkaSettings
from tests.brokers import local_broker_settings
from tests.events import case_registered, new_case_id
from tests.integration.conftest import running_hub
from tests.kafka_io import send

pytestmark = pytest.mark.integration

WAIT = 20.0  # seconds: the longest any single refusal or delivery may take


@pytest.fixture(scope="module")
def tls_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBroker]:
    """A secured TLS broker with the hub's topics and the ACL matrix applied by its admin."""
    settings = local_broker_settings(tmp_path_factory.mktemp("tls-kafka"))
    broker = LocalBroker(replace(settings, secure=True, tls=True))
    broker.up(timeout=120)
    try:
        admin = _login(broker, "admin")
        ensure_topics(admin, hub_topology())
        apply_acls(admin)
        yield broker
    finally:
        broker.down()


def _environment(status: BrokerStatus, user: str) -> dict[str, str]:
    """The HUB_KAFKA_* variables for `user`, from what status and the credentials file say."""
    document = json.loads(Path(status.credentials_file or "").read_text())
    return {
        "HUB_KAFKA_BOOTSTRAP": document["bootstrap"],
        "HUB_KAFKA_SECURITY_PROTOCOL": status.security_protocol,
        "HUB_KAFKA_SSL_CA": status.ssl_ca or "",
        "HUB_KAFKA_SASL_MECHANISM": document["mechanism"],
        "HUB_KAFKA_SASL_USERNAME": user,
        "HUB_KAFKA_SASL_PASSWORD": document["users"][user],
    }


def _login(broker: LocalBroker, user: str) -> KafkaSettings:
    return KafkaSettings.from_env(_environment(broker.status(), user))


def _first_client_error(config: dict[str, Any]) -> KafkaError | None:
    """The first error a confluent-kafka producer with `config` reports within WAIT seconds."""
    errors: list[KafkaError] = []
    producer = Producer({**config, "error_cb": errors.append, "logger": LOG})
    deadline = time.monotonic() + WAIT
    while not errors and time.monotonic() < deadline:
        producer.poll(0.2)
    return errors[0] if errors else None


async def _read_with_aiokafka(
    login: KafkaSettings, topic: str, group: str, key: bytes
) -> list[bytes]:
    """The values with `key` on `topic`, read by an aiokafka consumer in `group`."""
    consumer = AIOKafkaConsumer(
        topic,
        **login.aiokafka_options(),
        group_id=group,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
    )
    await consumer.start()
    found: list[bytes] = []
    deadline = time.monotonic() + WAIT
    try:
        while not found and time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=500)
            found += [r.value or b"" for rs in batches.values() for r in rs if r.key == key]
    finally:
        await consumer.stop()
    return found


# -- how to connect -----------------------------------------------------------------------


def test_status_and_the_credentials_file_say_how_to_connect_over_tls(
    tls_broker: LocalBroker,
) -> None:
    status = tls_broker.status()
    document = json.loads(Path(status.credentials_file or "").read_text())
    ca = x509.load_pem_x509_certificate(Path(status.ssl_ca or "").read_bytes())
    tls_dir = tls_broker.settings.data_dir / "tls"
    keystore = tls_dir / "server.pem"
    server = x509.load_pem_x509_certificates(keystore.read_bytes())[0]
    names = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value

    assert (status.tls, status.security_protocol) == (True, "SASL_SSL")
    assert status.ssl_ca == str(tls_dir / "ca.pem")
    assert {k: document[k] for k in ("bootstrap", "security_protocol", "ssl_ca")} == {
        "bootstrap": status.bootstrap,
        "security_protocol": "SASL_SSL",
        "ssl_ca": status.ssl_ca,
    }
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert server.issuer == ca.subject
    assert {str(ip) for ip in names.get_values_for_type(x509.IPAddress)} == {"127.0.0.1"}
    assert names.get_values_for_type(x509.DNSName) == ["localhost"]
    # The only private key is the server's, readable by its owner only; the CA's was discarded.
    assert keystore.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tls_dir.iterdir()) == ["ca.pem", "server.pem"]
    assert b"PRIVATE KEY" not in Path(status.ssl_ca or "").read_bytes()


# -- trusted clients connect ----------------------------------------------------------------


async def test_a_confluent_producer_and_an_aiokafka_consumer_exchange_a_record_over_sasl_ssl(
    tls_broker: LocalBroker,
) -> None:
    key = uuid.uuid4().hex.encode()

    record = OutgoingRecord(egress("courts"), key, b'{"over":"tls"}', ())

    publish(_login(tls_broker, "hub"), [record], timeout=WAIT)  # confluent-kafka, idempotent
    read = await _read_with_aiokafka(
        _login(tls_broker, "courts"), egress("courts"), "courts-tls-check", key
    )

    assert read == [b'{"over":"tls"}']


# -- untrusted clients are refused ------------------------------------------------------------


def test_a_client_that_trusts_another_ca_is_refused(
    tls_broker: LocalBroker, tmp_path: Path
) -> None:
    other_ca = write_ca_certificate(tmp_path / "other-ca.pem", "a CA this broker never saw")
    login = replace(_login(tls_broker, "police"), ssl_ca=str(other_ca))

    error = _first_client_error(login.librdkafka_options())

    # librdkafka reports the failed handshake as _SSL or, on a busy machine, as _TRANSPORT
    # (seen with two test workers); the reason is the same either way.
    assert error is not None and error.code() in (KafkaError._SSL, KafkaError._TRANSPORT)
    assert "certificate verify failed" in error.str()


async def test_an_aiokafka_client_that_trusts_only_the_system_cas_is_refused(
    tls_broker: LocalBroker,
) -> None:
    login = replace(_login(tls_broker, "police"), ssl_ca=None)
    producer = AIOKafkaProducer(**login.aiokafka_options(), request_timeout_ms=int(WAIT * 1000))

    with pytest.raises(KafkaConnectionError):
        await producer.start()
    await producer.stop()


def test_a_client_without_tls_is_refused(tls_broker: LocalBroker) -> None:
    """No downgrade: the same login in SASL_PLAINTEXT gets no answer from the TLS listener."""
    login = replace(_login(tls_broker, "police"), security_protocol="SASL_PLAINTEXT")

    error = _first_client_error(login.librdkafka_options())

    assert error is not None
    assert error.code() in (KafkaError._TRANSPORT, KafkaError._ALL_BROKERS_DOWN)


# -- the hub over TLS ---------------------------------------------------------------------------


async def test_the_hub_delivers_a_police_event_to_courts_over_tls(
    tls_broker: LocalBroker,
) -> None:
    case_id = new_case_id()

    with running_hub(_login(tls_broker, "hub")):
        send(_login(tls_broker, "police"), [case_registered(case_id)])
        delivered = await _read_with_aiokafka(
            _login(tls_broker, "courts"), egress("courts"), "courts-case-desk", case_id.encode()
        )

    assert [json.loads(value)["caseId"] for value in delivered] == [case_id]
