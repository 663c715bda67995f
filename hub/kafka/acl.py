"""Who may do what on a secured broker: DESIGN.md section 3's "written by / read by" as ACLs.

`ACL_MATRIX` is the one table of rights; the broker denies everything it does
not list (`allow.everyone.if.no.acl.found=false`), and `admin` is the only
super user. `hub topics init` applies it on a SASL connection with
`apply_acls`, which adds what is missing and reports what it found beyond it.

Agencies write only their own ingress topic and read only their own egress
topic. Operations serve the auditors too: `hub trace`, `hub replay` and
`hub audit verify` compare what the agencies sent with what the hub delivered,
so operations read the ingress and egress topics as well as the DLQ and audit
log. A group a principal only names to read partitions it assigns itself
(librdkafka looks its coordinator up all the same) gets DESCRIBE, not READ.

No agency uses transactions, so none has a transactional id; no one needs
IDEMPOTENT_WRITE on the cluster, since Kafka 3.0 an idempotent producer may
start with WRITE on any topic (KIP-679).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from enum import Enum
from typing import Literal

from confluent_kafka import KafkaException
from confluent_kafka.admin import (  # type: ignore[attr-defined]
    AclBinding,
    AclBindingFilter,
    AclOperation,
    AclPermissionType,
    AdminClient,
    ResourcePatternType,
    ResourceType,
)

from hub.kafka.admin import admin_client
from hub.kafka.service import GROUP_ID
from hub.kafka.topology import ALERTS, AUDIT, DLQ, REDRIVE, REGISTRY, egress, ingress
from hub.settings import KafkaSettings

Resource = Literal["topic", "group", "transactional_id"]
Pattern = Literal["literal", "prefixed"]

PRODUCE = ("WRITE", "DESCRIBE")
CONSUME = ("READ", "DESCRIBE")
READ_WRITE = ("WRITE", "READ", "DESCRIBE")  # e.g. the hub's state: written, restored on start
JOIN = ("READ",)  # a consumer group that commits offsets
LOOK_UP = ("DESCRIBE",)  # a group named only because librdkafka needs one
CREATE_AND_PRODUCE = ("CREATE", "WRITE", "DESCRIBE")

# The groups the tools name while reading partitions they assign themselves.
HUB_READER_GROUP = "hub-reader"  # hub.kafka.clients.reader: restore, replay
TOOLS_READER_GROUP = "hub-tools-reader"  # hub.kafka.io.read_topic: dlq, trace, audit verify


@dataclass(frozen=True, slots=True)
class Grant:
    """One row of the matrix: `user` may do `operations` on a resource."""

    user: str
    resource: Resource
    pattern: Pattern
    name: str
    operations: tuple[str, ...]


# fmt: off
ACL_MATRIX: tuple[Grant, ...] = (
    #      user          resource            pattern    name                    operations
    Grant("police",     "topic",            "literal",  ingress("police"),      PRODUCE),
    Grant("police",     "topic",            "literal",  egress("police"),       CONSUME),
    Grant("police",     "group",            "prefixed", "police-",              JOIN),
    Grant("police",     "group",            "prefixed", "connector-police",     JOIN),
    Grant("courts",     "topic",            "literal",  ingress("courts"),      PRODUCE),
    Grant("courts",     "topic",            "literal",  egress("courts"),       CONSUME),
    Grant("courts",     "group",            "prefixed", "courts-",              JOIN),
    Grant("courts",     "group",            "prefixed", "connector-courts",     JOIN),
    Grant("koda",       "topic",            "literal",  ingress("koda"),        PRODUCE),
    Grant("koda",       "topic",            "literal",  egress("koda"),         CONSUME),
    Grant("koda",       "group",            "prefixed", "koda-",                JOIN),
    Grant("koda",       "group",            "prefixed", "connector-koda",       JOIN),
    Grant("hub",        "topic",            "prefixed", "ingress.",             CONSUME),
    Grant("hub",        "topic",            "literal",  REDRIVE,                CONSUME),
    Grant("hub",        "topic",            "prefixed", "egress.",              PRODUCE),
    Grant("hub",        "topic",            "literal",  DLQ,                    PRODUCE),
    Grant("hub",        "topic",            "literal",  AUDIT,                  READ_WRITE),
    Grant("hub",        "topic",            "literal",  REGISTRY,               READ_WRITE),
    Grant("hub",        "topic",            "literal",  ALERTS,                 READ_WRITE),
    Grant("hub",        "group",            "literal",  GROUP_ID,               JOIN),
    Grant("hub",        "group",            "literal",  HUB_READER_GROUP,       LOOK_UP),
    Grant("hub",        "transactional_id", "prefixed", f"{GROUP_ID}-",         PRODUCE),
    Grant("operations", "topic",            "literal",  DLQ,                    CONSUME),
    Grant("operations", "topic",            "literal",  REDRIVE,                READ_WRITE),
    Grant("operations", "topic",            "literal",  AUDIT,                  CONSUME),
    Grant("operations", "topic",            "literal",  ALERTS,                 CONSUME),
    Grant("operations", "topic",            "prefixed", "ingress.",             CONSUME),
    Grant("operations", "topic",            "prefixed", "egress.",              CONSUME),
    Grant("operations", "topic",            "prefixed", "sandbox.",             CREATE_AND_PRODUCE),
    Grant("operations", "group",            "literal",  TOOLS_READER_GROUP,     LOOK_UP),
    Grant("operations", "group",            "literal",  HUB_READER_GROUP,       LOOK_UP),
)
# fmt: on

_RESOURCES = {
    "topic": ResourceType.TOPIC,
    "group": ResourceType.GROUP,
    "transactional_id": ResourceType.TRANSACTIONAL_ID,
}
_PATTERNS = {"literal": ResourcePatternType.LITERAL, "prefixed": ResourcePatternType.PREFIXED}
_ANY_HOST = "*"


class AclSetupError(RuntimeError):
    """The ACLs could not be read or created; str() says why and what to do."""


@dataclass(frozen=True, slots=True)
class AclEntry:
    """One binding, as reported by `hub topics init` (the matrix holds ALLOW ones only)."""

    principal: str
    resource: str
    pattern: str
    name: str
    operation: str
    permission: str = "ALLOW"
    host: str = _ANY_HOST

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class AclOutcome:
    created: list[AclEntry]
    existed: list[AclEntry]
    not_in_matrix: list[AclEntry]  # found on the broker; left for a person to judge


def entries(matrix: Iterable[Grant] = ACL_MATRIX) -> list[AclEntry]:
    """The matrix as one entry per principal, resource and operation."""
    return [
        AclEntry(f"User:{grant.user}", grant.resource, grant.pattern, grant.name, operation)
        for grant in matrix
        for operation in grant.operations
    ]


def acl_binding(entry: AclEntry) -> AclBinding:
    return AclBinding(
        _RESOURCES[entry.resource],
        entry.name,
        _PATTERNS[entry.pattern],
        entry.principal,
        entry.host,
        AclOperation[entry.operation],
        AclPermissionType[entry.permission],
    )


def acl_bindings(matrix: Iterable[Grant] = ACL_MATRIX) -> list[AclBinding]:
    """The AclBindings that grant exactly the rights of `matrix`."""
    return [acl_binding(entry) for entry in entries(matrix)]


def _name(value: Enum | str | int) -> str:
    return value.name if isinstance(value, Enum) else str(value)


def _as_entry(binding: AclBinding) -> AclEntry:
    return AclEntry(
        binding.principal,
        _name(binding.restype).lower(),
        _name(binding.resource_pattern_type).lower(),
        binding.name,
        _name(binding.operation),
        _name(binding.permission_type),
        binding.host,
    )


def _failure(error: KafkaException, settings: KafkaSettings, doing: str) -> AclSetupError:
    kafka_error = error.args[0]
    return AclSetupError(
        f"{doing} on {settings.bootstrap} as {settings.sasl_username or 'anonymous'} failed: "
        f"{kafka_error.name()}: {kafka_error.str()} "
        "(ACLs need the admin user of a broker with an authorizer, e.g. `hub broker up --secure`)"
    )


def _described(admin: AdminClient, settings: KafkaSettings, timeout: float) -> set[AclEntry]:
    """Every binding the broker's authorizer holds now."""
    # None matches any name, principal and host; librdkafka's stubs say str.
    match_all = AclBindingFilter(
        ResourceType.ANY,
        None,  # type: ignore[arg-type]
        ResourcePatternType.ANY,
        None,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        AclOperation.ANY,
        AclPermissionType.ANY,
    )
    try:
        described = admin.describe_acls(match_all, request_timeout=timeout).result(timeout)
    except KafkaException as error:
        raise _failure(error, settings, "reading the ACLs") from error
    return {_as_entry(binding) for binding in described}


def _wait_until_in_force(
    admin: AdminClient, settings: KafkaSettings, created: Sequence[AclEntry], timeout: float
) -> None:
    """The controller has committed them; the broker's authorizer follows a moment later,
    and a client that starts before that is refused (an idempotent producer, for good)."""
    deadline = time.monotonic() + timeout
    while not set(created) <= _described(admin, settings, timeout):
        if time.monotonic() > deadline:
            raise AclSetupError(f"the new ACLs were not in force after {timeout:.0f} s")
        time.sleep(0.1)


def apply_acls(
    settings: KafkaSettings, matrix: Sequence[Grant] = ACL_MATRIX, timeout: float = 30.0
) -> AclOutcome:
    """Create the bindings of `matrix` that the broker lacks; never delete any.

    Idempotent: a second run creates nothing. Bindings found on the broker that
    the matrix does not hold are reported, not removed.
    """
    # The AdminClient must outlive its futures (TRAPS.md): keep it in this frame.
    admin = admin_client(settings)
    found = _described(admin, settings, timeout)
    wanted = entries(matrix)
    missing = [entry for entry in wanted if entry not in found]
    if missing:
        futures = admin.create_acls([acl_binding(e) for e in missing], request_timeout=timeout)
        try:
            for future in futures.values():
                future.result(timeout)
        except KafkaException as error:
            raise _failure(error, settings, "creating the ACLs") from error
        _wait_until_in_force(admin, settings, missing, timeout)
    return AclOutcome(
        created=missing,
        existed=[entry for entry in wanted if entry in found],
        not_in_matrix=sorted(found - set(wanted), key=lambda e: tuple(asdict(e).values())),
    )
