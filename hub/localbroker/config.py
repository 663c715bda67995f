"""The files a single-node KRaft broker starts from: server.properties and log4j2.

Settings follow KAFKA_FROM_MAVEN.md: combined broker and controller, static
voter, replication factors of 1 so transactions and consumer groups work on one
node, and no initial rebalance delay so tests do not wait for groups.

A secured broker (`secure`) authenticates every client on its one client
listener with SASL/SCRAM-SHA-512 and authorizes every request with KRaft's
StandardAuthorizer against the ACLs of hub/kafka/acl.py, denying whatever no
ACL allows. With `tls` that listener is SASL_SSL, its certificate the one
tls.py made for this broker; the broker's own connections to itself check it
against the same CA. The controller listener stays PLAINTEXT on 127.0.0.1.
"""

from __future__ import annotations

from pathlib import Path

from hub.localbroker.credentials import ADMIN, SCRAM_MECHANISM, BrokerCredentials
from hub.localbroker.tls import BrokerTls
from hub.settings import LocalBrokerSettings

_AUTHORIZER = "org.apache.kafka.metadata.authorizer.StandardAuthorizer"


def _plaintext_listeners(settings: LocalBrokerSettings) -> dict[str, str]:
    return {
        "listeners": (
            f"PLAINTEXT://127.0.0.1:{settings.port},CONTROLLER://127.0.0.1:{settings.controller_port}"
        ),
        "advertised.listeners": f"PLAINTEXT://127.0.0.1:{settings.port}",
        "inter.broker.listener.name": "PLAINTEXT",
        "controller.listener.names": "CONTROLLER",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
    }


def _tls(tls: BrokerTls) -> dict[str, str]:
    return {
        # A PEM keystore: the unencrypted PKCS#8 key and the chain, one file of mode 0600.
        "ssl.keystore.type": "PEM",
        "ssl.keystore.location": str(tls.keystore_file),
        "ssl.truststore.type": "PEM",
        "ssl.truststore.location": str(tls.ca_file),
        "ssl.enabled.protocols": "TLSv1.3,TLSv1.2",
        "ssl.endpoint.identification.algorithm": "https",
        "ssl.client.auth": "none",  # clients prove who they are with SCRAM
    }


def _secured_listeners(
    settings: LocalBrokerSettings, admin_password: str, tls: BrokerTls | None
) -> dict[str, str]:
    listener = "SASL_SSL" if tls is not None else "SASL_PLAINTEXT"
    login = (
        "org.apache.kafka.common.security.scram.ScramLoginModule required "
        f'username="{ADMIN}" password="{admin_password}";'
    )
    return {
        "listeners": (
            f"{listener}://127.0.0.1:{settings.port},"
            f"CONTROLLER://127.0.0.1:{settings.controller_port}"
        ),
        "advertised.listeners": f"{listener}://127.0.0.1:{settings.port}",
        "inter.broker.listener.name": listener,
        "controller.listener.names": "CONTROLLER",
        "listener.security.protocol.map": f"CONTROLLER:PLAINTEXT,{listener}:{listener}",
        "sasl.enabled.mechanisms": SCRAM_MECHANISM,
        "sasl.mechanism.inter.broker.protocol": SCRAM_MECHANISM,
        f"listener.name.{listener.lower()}.{SCRAM_MECHANISM.lower()}.sasl.jaas.config": login,
        **(_tls(tls) if tls is not None else {}),
        "authorizer.class.name": _AUTHORIZER,
        # admin: the tool identity that creates topics and ACLs (and the broker's own login).
        # ANONYMOUS: the controller listener cannot use SCRAM (its users live in the
        # metadata the controller serves), so the broker registers with its controller
        # unauthenticated and the controller must let that principal act for the cluster.
        # Only the PLAINTEXT controller listener yields ANONYMOUS (the client listener
        # always authenticates), and it is bound to 127.0.0.1: whoever can reach it has a
        # shell on this machine already. A shared or production cluster protects it with
        # SASL/PLAIN or mTLS instead.
        "super.users": f"User:{ADMIN};User:ANONYMOUS",
        # Deny by default: a topic or group without ACLs is closed, not open.
        "allow.everyone.if.no.acl.found": "false",
    }


def server_properties(
    settings: LocalBrokerSettings,
    credentials: BrokerCredentials | None = None,
    tls: BrokerTls | None = None,
) -> str:
    """server.properties for `settings`; a secured broker needs its `credentials`,
    a TLS one its `tls` material."""
    if settings.secure and credentials is None:
        raise ValueError("a secured broker needs its credentials (the admin's login)")
    if settings.tls and tls is None:
        raise ValueError("a TLS broker needs its certificate (tls.py)")
    listeners = (
        _secured_listeners(settings, credentials.password(ADMIN), tls if settings.tls else None)
        if settings.secure and credentials is not None
        else _plaintext_listeners(settings)
    )
    data = settings.data_dir / "kraft"
    lines = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.voters": f"1@127.0.0.1:{settings.controller_port}",
        **listeners,
        "log.dirs": str(data),
        "num.partitions": "6",
        "offsets.topic.replication.factor": "1",
        "offsets.topic.num.partitions": "6",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "transaction.state.log.num.partitions": "6",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        "group.initial.rebalance.delay.ms": "0",
        # A crashed producer's open transaction holds read_committed readers back until
        # it times out; look for such transactions every 2 s rather than every 10 s.
        "transaction.abort.timed.out.transaction.cleanup.interval.ms": "2000",
        "auto.create.topics.enable": "false",
        # Room for the hub's oversize check to see an oversize value rather than the broker.
        "message.max.bytes": str(2 * 1024 * 1024),
    }
    return "".join(f"{key}={value}\n" for key, value in lines.items())


def log4j2_properties(log_file: Path) -> str:
    return "\n".join(
        [
            "status = warn",
            "appender.file.type = File",
            "appender.file.name = FILE",
            f"appender.file.fileName = {log_file}",
            "appender.file.layout.type = PatternLayout",
            "appender.file.layout.pattern = [%d] %p %m (%c)%n",
            "rootLogger.level = INFO",
            "rootLogger.appenderRef.file.ref = FILE",
            # The request logger and the state change logger drown the useful lines.
            "logger.request.name = kafka.request.logger",
            "logger.request.level = WARN",
            "logger.state.name = state.change.logger",
            "logger.state.level = WARN",
            "",
        ]
    )
