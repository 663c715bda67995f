"""Configuration from the environment, in one place.

Every setting has a default that works on a developer's machine with the local
broker of `hub broker up`; operators override them with environment variables.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from hub.pipeline.alert_policy import HOUR_MS, AlertPolicy

DEFAULT_BROKER_PORT = 9092


def _cache_home(env: Mapping[str, str]) -> Path:
    return Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache")


def _state_home(env: Mapping[str, str]) -> Path:
    return Path(env.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")


def _flag(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True, slots=True)
class LocalBrokerSettings:
    """Where and how `hub broker` runs its single-node KRaft broker.

    HUB_BROKER_PORT      client port on 127.0.0.1 (default 9092); the controller
                         listens on the next port unless HUB_BROKER_CONTROLLER_PORT
    HUB_BROKER_DIR       data, logs and pid file (default: one folder per port
                         under ~/.local/state/justice-hub)
    HUB_CACHE_DIR        the Kafka jars resolved from Maven Central
                         (default ~/.cache/justice-hub)
    HUB_BROKER_HEAP      JVM heap (default 256m)
    HUB_BROKER_SECURE    1: SASL/SCRAM-SHA-512 and ACLs on the client listener
                         (default 0); fixed when the data directory is formatted
    HUB_BROKER_TLS       1 (with HUB_BROKER_SECURE=1): SASL_SSL on the client listener,
                         with a CA and certificate made for this broker (default 0)
    JAVA_HOME            the Java 17+ runtime (default: `java` on PATH)
    """

    port: int
    controller_port: int
    data_dir: Path
    cache_dir: Path
    heap: str = "256m"
    java_home: Path | None = None
    secure: bool = False
    tls: bool = False

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @classmethod
    def from_env(
        cls,
        env: Mapping[str, str] | None = None,
        *,
        port: int | None = None,
        data_dir: Path | None = None,
        secure: bool | None = None,
        tls: bool | None = None,
    ) -> LocalBrokerSettings:
        env = os.environ if env is None else env
        port = port or int(env.get("HUB_BROKER_PORT", DEFAULT_BROKER_PORT))
        controller_port = int(env.get("HUB_BROKER_CONTROLLER_PORT", port + 1))
        default_dir = _state_home(env) / "justice-hub" / f"broker-{port}"
        java_home = env.get("JAVA_HOME")
        return cls(
            port=port,
            controller_port=controller_port,
            data_dir=Path(data_dir or env.get("HUB_BROKER_DIR") or default_dir).absolute(),
            cache_dir=Path(env.get("HUB_CACHE_DIR") or _cache_home(env) / "justice-hub"),
            heap=env.get("HUB_BROKER_HEAP", "256m"),
            java_home=Path(java_home) if java_home else None,
            secure=_flag(env.get("HUB_BROKER_SECURE", "")) if secure is None else secure,
            tls=_flag(env.get("HUB_BROKER_TLS", "")) if tls is None else tls,
        )


@dataclass(frozen=True, slots=True)
class KafkaSettings:
    """How clients reach Kafka.

    HUB_KAFKA_BOOTSTRAP          host:port list (default: the local broker's address)
    HUB_KAFKA_SECURITY_PROTOCOL  PLAINTEXT (default), SASL_PLAINTEXT, SASL_SSL
    HUB_KAFKA_SASL_MECHANISM     e.g. SCRAM-SHA-512
    HUB_KAFKA_SASL_USERNAME, HUB_KAFKA_SASL_PASSWORD
    HUB_KAFKA_SSL_CA             with SSL or SASL_SSL: the CA certificate (PEM file) to
                                 trust for the broker's certificate (default: the system's)
    """

    bootstrap: str
    security_protocol: str = "PLAINTEXT"
    sasl_mechanism: str | None = None
    sasl_username: str | None = None
    sasl_password: str | None = None
    ssl_ca: str | None = None

    @property
    def uses_sasl(self) -> bool:
        """True when clients authenticate (the broker then enforces ACLs)."""
        return self.security_protocol.upper().startswith("SASL")

    @property
    def uses_tls(self) -> bool:
        """True when the connection is encrypted and the broker's certificate checked."""
        return self.security_protocol.upper() in ("SSL", "SASL_SSL")

    def ssl_context(self) -> ssl.SSLContext | None:
        """For Python clients: trusts HUB_KAFKA_SSL_CA, or the system CAs when unset."""
        if not self.uses_tls:
            return None
        # What aiokafka.helpers.create_ssl_context builds: certificate and host name checked.
        return ssl.create_default_context(cafile=self.ssl_ca)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> KafkaSettings:
        env = os.environ if env is None else env
        bootstrap = env.get("HUB_KAFKA_BOOTSTRAP") or LocalBrokerSettings.from_env(env).bootstrap
        return cls(
            bootstrap=bootstrap,
            security_protocol=env.get("HUB_KAFKA_SECURITY_PROTOCOL", "PLAINTEXT"),
            sasl_mechanism=env.get("HUB_KAFKA_SASL_MECHANISM"),
            sasl_username=env.get("HUB_KAFKA_SASL_USERNAME"),
            sasl_password=env.get("HUB_KAFKA_SASL_PASSWORD"),
            ssl_ca=env.get("HUB_KAFKA_SSL_CA") or None,
        )

    def aiokafka_options(self) -> dict[str, object]:
        """Connection options for aiokafka clients."""
        options: dict[str, object] = {
            "bootstrap_servers": self.bootstrap,
            "security_protocol": self.security_protocol,
        }
        if self.sasl_mechanism:
            options |= {
                "sasl_mechanism": self.sasl_mechanism,
                "sasl_plain_username": self.sasl_username,
                "sasl_plain_password": self.sasl_password,
            }
        if self.uses_tls:
            options["ssl_context"] = self.ssl_context()
        return options

    def librdkafka_options(self) -> dict[str, str]:
        """Connection options for confluent-kafka (librdkafka) clients."""
        options = {
            "bootstrap.servers": self.bootstrap,
            "security.protocol": self.security_protocol.lower(),
        }
        if self.sasl_mechanism:
            options |= {
                "sasl.mechanism": self.sasl_mechanism,
                "sasl.username": self.sasl_username or "",
                "sasl.password": self.sasl_password or "",
            }
        if self.uses_tls and self.ssl_ca:
            options["ssl.ca.location"] = self.ssl_ca
        return options


def config_home(env: Mapping[str, str]) -> Path:
    return Path(env.get("XDG_CONFIG_HOME") or Path.home() / ".config")


def default_jwks_dir() -> Path:
    """The repository's `keys/` (the organisations' published key sets)."""
    return Path(__file__).resolve().parent.parent / "keys"


@dataclass(frozen=True, slots=True)
class SigningSettings:
    """Where the signing keys are (see `hub keys generate`).

    HUB_JWKS_DIR          the published key sets, one `<org>.jwks.json` per
                          organisation (default: the repository's keys/)
    HUB_SIGNING_KEYS_DIR  private keys, `<kid>.private.jwk`, mode 0600, never in
                          git (default ~/.config/justice-hub/keys)
    """

    jwks_dir: Path
    private_dir: Path

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SigningSettings:
        env = os.environ if env is None else env
        private = env.get("HUB_SIGNING_KEYS_DIR") or config_home(env) / "justice-hub" / "keys"
        return cls(
            jwks_dir=Path(env.get("HUB_JWKS_DIR") or default_jwks_dir()),
            private_dir=Path(private),
        )


def alert_policy_from_env(env: Mapping[str, str] | None = None) -> AlertPolicy:
    """How hard the hub tries to reach a victim (hub/pipeline/alert_policy.py).

    HUB_ALERT_ACK_TIMEOUT  seconds an alert waits for police's acknowledgement
                           before it is sent again (default 7200; urgent: a quarter)
    HUB_ALERT_REPEATS      repeats before a person at police is asked to act (3)
    HUB_ALERT_MIN_NOTICE   hours a victim must be told before a leave starts (24)
    """
    env = os.environ if env is None else env
    default = AlertPolicy()
    try:
        return AlertPolicy(
            ack_timeout_ms=_ms(env, "HUB_ALERT_ACK_TIMEOUT", default.ack_timeout_ms, 1000),
            repeats=int(env.get("HUB_ALERT_REPEATS", default.repeats)),
            min_notice_ms=_ms(env, "HUB_ALERT_MIN_NOTICE", default.min_notice_ms, HOUR_MS),
        )
    except ValueError as error:
        raise ValueError(f"HUB_ALERT_* settings: {error}") from None


def _ms(env: Mapping[str, str], name: str, default_ms: int, unit_ms: int) -> int:
    """A duration setting given in `unit_ms` units (seconds, hours), in milliseconds."""
    value = env.get(name)
    return default_ms if value is None else int(float(value) * unit_ms)
