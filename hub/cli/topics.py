"""`hub topics init`: the topology of DESIGN.md section 3 on the configured broker.

On a SASL connection (a secured broker, as its admin user) it also applies the
ACL matrix of hub/kafka/acl.py, so each system gets exactly its rights.
"""

from __future__ import annotations

from typing import Any

import click
from confluent_kafka import KafkaException
from rich.console import Console

from hub.cli.output import emit, fail, json_option, table
from hub.kafka.acl import AclOutcome, AclSetupError, apply_acls
from hub.kafka.admin import TopicSetupError, ensure_topics
from hub.kafka.topology import DEFAULT_PARTITIONS, topology
from hub.localbroker.credentials import ADMIN
from hub.settings import KafkaSettings


@click.group()
def topics() -> None:
    """The hub's Kafka topics."""


@topics.command()
@click.option(
    "--partitions",
    type=int,
    default=DEFAULT_PARTITIONS,
    show_default=True,
    help="Partitions per topic: the most hub instances that can share the work.",
)
@json_option
def init(partitions: int, as_json: bool) -> None:
    """Create every topic the hub needs (existing ones are left as they are).

    On a SASL connection also grant each system its ACLs (existing ones are kept).
    """
    settings = KafkaSettings.from_env()
    specs = topology(partitions)
    try:
        outcomes = ensure_topics(settings, specs)
        acls = apply_acls(settings) if settings.uses_sasl else None
    except (TopicSetupError, AclSetupError, KafkaException) as error:
        hint = ""
        if settings.uses_sasl and settings.sasl_username != ADMIN:
            hint = f" (on a secured broker run it as {ADMIN}: HUB_KAFKA_SASL_USERNAME={ADMIN})"
        fail(f"topics on {settings.bootstrap}: {error}{hint}", as_json)
    purposes = {spec.name: spec.purpose for spec in specs}
    result: dict[str, Any] = {
        "bootstrap": settings.bootstrap,
        "topics": [
            {
                "name": o.name,
                "partitions": o.partitions,
                "created": o.created,
                "purpose": purposes[o.name],
            }
            for o in outcomes
        ],
    }
    if acls is not None:
        result["acls"] = _acl_report(acls)

    def render(out: Console, data: dict[str, Any]) -> None:
        rows = [
            (t["name"], t["partitions"], "created" if t["created"] else "existed", t["purpose"])
            for t in data["topics"]
        ]
        out.print(
            table(f"Topics on {data['bootstrap']}", ["topic", "partitions", "", "purpose"], rows)
        )
        if "acls" in data:
            _render_acls(out, data["acls"])

    emit(result, as_json, render)


def _acl_report(outcome: AclOutcome) -> dict[str, Any]:
    return {
        "created": [entry.as_dict() for entry in outcome.created],
        "existed": len(outcome.existed),
        "not_in_matrix": [entry.as_dict() for entry in outcome.not_in_matrix],
    }


def _render_acls(out: Console, acls: dict[str, Any]) -> None:
    rows = [
        (a["principal"], a["operation"], a["resource"], a["pattern"], a["name"])
        for a in acls["created"]
    ]
    title = f"ACLs created ({len(rows)}; {acls['existed']} existed already)"
    out.print(table(title, ["principal", "may", "resource", "pattern", "name"], rows))
    for extra in acls["not_in_matrix"]:
        out.print(
            f"[yellow]not in the matrix, left in place:[/] {extra['permission']} "
            f"{extra['principal']} {extra['operation']} {extra['resource']} {extra['name']}"
        )
