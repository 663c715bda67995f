"""The `hub` command line (DESIGN.md section 8). Each command group lives in a
module of its own and is registered here."""

from __future__ import annotations

import click

from hub import __version__
from hub.cli.broker import broker
from hub.cli.demo import demo
from hub.cli.dlq import dlq
from hub.cli.run import run
from hub.cli.schemas import schemas
from hub.cli.topics import topics


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="hub")
def main() -> None:
    """The justice-chain event hub: police, courts and KODA over Kafka."""


main.add_command(broker)
main.add_command(demo)
main.add_command(dlq)
main.add_command(run)
main.add_command(schemas)
main.add_command(topics)
