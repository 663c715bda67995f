"""Connectors reach a TLS broker trusting the CA the settings name (HUB_KAFKA_SSL_CA)."""

from __future__ import annotations

from pathlib import Path

from connectors.common.broker import security_of
from hub.localbroker.tls import write_ca_certificate
from hub.settings import KafkaSettings


def test_a_connector_on_sasl_ssl_trusts_the_ca_of_its_settings(tmp_path: Path) -> None:
    ca = write_ca_certificate(tmp_path / "ca.pem", "justice-hub test CA")
    settings = KafkaSettings(
        bootstrap="127.0.0.1:9093",
        security_protocol="SASL_SSL",
        sasl_mechanism="SCRAM-SHA-512",
        sasl_username="police",
        sasl_password="secret",
        ssl_ca=str(ca),
    )

    security = security_of(settings)

    assert security is not None and security.ssl_context is not None
    trusted = security.ssl_context.get_ca_certs()
    assert [dict(item[0] for item in cert["subject"])["commonName"] for cert in trusted] == [
        "justice-hub test CA"
    ]


def test_a_connector_on_plaintext_has_no_security() -> None:
    assert security_of(KafkaSettings(bootstrap="127.0.0.1:9092")) is None
