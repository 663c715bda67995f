"""The FastStream Kafka broker of one agency, from the hub's Kafka settings."""

from __future__ import annotations

import logging

from faststream.kafka import KafkaBroker
from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512

from hub.settings import KafkaSettings

_SASL = {"PLAIN": SASLPlaintext, "SCRAM-SHA-256": SASLScram256, "SCRAM-SHA-512": SASLScram512}


def security_of(settings: KafkaSettings) -> BaseSecurity | None:
    """FastStream's security object for HUB_KAFKA_SECURITY_PROTOCOL and the SASL settings."""
    protocol = settings.security_protocol.upper()
    if protocol == "PLAINTEXT":
        return None
    # Trusts HUB_KAFKA_SSL_CA (a local broker's own CA), else the system's CAs.
    context = settings.ssl_context()
    if not protocol.startswith("SASL"):
        return BaseSecurity(ssl_context=context)
    mechanism = _SASL.get((settings.sasl_mechanism or "").upper())
    if mechanism is None:
        raise ValueError(f"unsupported SASL mechanism {settings.sasl_mechanism!r}")
    return mechanism(
        settings.sasl_username or "", settings.sasl_password or "", ssl_context=context
    )


def agency_broker(settings: KafkaSettings, agency: str) -> KafkaBroker:
    """A broker for `agency`'s connector.

    Idempotent producer (acks=all): a retried send neither duplicates nor
    reorders a case's events. FastStream logs to `connectors.<agency>.faststream`:
    its per-message access lines (topic, offset, message id; never the data) at
    DEBUG, so they cost little and stay quiet, and its own errors (a consumer
    that cannot decode, a broker away) at ERROR, where they must be seen.
    """
    return KafkaBroker(
        settings.bootstrap,
        security=security_of(settings),
        client_id=f"connector-{agency}",
        enable_idempotence=True,
        logger=logging.getLogger(f"connectors.{agency}.faststream"),
        log_level=logging.DEBUG,
        graceful_timeout=10.0,
    )
