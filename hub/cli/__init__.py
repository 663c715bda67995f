"""The `hub` command line (DESIGN.md section 8). Each command group lives in a
module of its own and is registered here."""

from __future__ import annotations

import sys
from typing import Any

import click

from hub import __version__
from hub.catalogue.catalogue import CatalogueError
from hub.cli.audit import audit
from hub.cli.bench import bench
from hub.cli.broker import broker
from hub.cli.connector import connector
from hub.cli.console import console
from hub.cli.contracts import contracts
from hub.cli.demo import demo
from hub.cli.dlq import dlq
from hub.cli.flow import flow_command
from hub.cli.keys import keys
from hub.cli.output import fail
from hub.cli.parked import parked_command
from hub.cli.receipts import receipts
from hub.cli.replay import replay_command
from hub.cli.run import run
from hub.cli.schemas import schemas
from hub.cli.topics import topics
from hub.cli.trace import trace
from hub.cli.victims import victims
from hub.kafka.io import KafkaUnreachableError
from hub.pipeline.route import RoutesError
from hub.signing import KeyFileError


class HubGroup(click.Group):
    """Turns the errors people can act on into one line and exit code 1, not a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (KafkaUnreachableError, CatalogueError, RoutesError, KeyFileError) as error:
            fail(str(error), as_json="--json" in sys.argv)


@click.group(cls=HubGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="hub")
def main() -> None:
    """The justice-chain event hub: police, courts and KODA over Kafka."""


main.add_command(audit)
main.add_command(bench)
main.add_command(broker)
main.add_command(connector)
main.add_command(console)
main.add_command(contracts)
main.add_command(demo)
main.add_command(dlq)
main.add_command(flow_command)
main.add_command(keys)
main.add_command(parked_command)
main.add_command(receipts)
main.add_command(replay_command)
main.add_command(run)
main.add_command(schemas)
main.add_command(topics)
main.add_command(trace)
main.add_command(victims)
