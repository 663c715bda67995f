"""`hub topics init`: the topology of DESIGN.md section 3 on the configured broker."""

from __future__ import annotations

from typing import Any

import click
from confluent_kafka import KafkaException
from rich.console import Console

from hub.cli.output import emit, fail, json_option, table
from hub.kafka.admin import TopicSetupError, ensure_topics
from hub.kafka.topology import DEFAULT_PARTITIONS, topology
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
    """Create every topic the hub needs (existing ones are left as they are)."""
    settings = KafkaSettings.from_env()
    specs = topology(partitions)
    try:
        outcomes = ensure_topics(settings, specs)
    except (TopicSetupError, KafkaException) as error:
        fail(f"topics on {settings.bootstrap}: {error}", as_json)
    purposes = {spec.name: spec.purpose for spec in specs}
    result = {
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

    def render(out: Console, data: dict[str, Any]) -> None:
        rows = [
            (t["name"], t["partitions"], "created" if t["created"] else "existed", t["purpose"])
            for t in data["topics"]
        ]
        out.print(
            table(f"Topics on {data['bootstrap']}", ["topic", "partitions", "", "purpose"], rows)
        )

    emit(result, as_json, render)
