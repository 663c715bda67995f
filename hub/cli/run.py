"""`hub run`: one hub instance, until SIGTERM or Ctrl-C."""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from pathlib import Path
from types import FrameType

import click

from hub.app import build_processor
from hub.kafka.health import serve_health
from hub.kafka.metrics import meter_for
from hub.kafka.service import HubService
from hub.kafka.watchdog import LoopWatchdog
from hub.pipeline.decide import PipelineLimits
from hub.settings import KafkaSettings
from hub.telemetry import tracer_for


@click.command()
@click.option(
    "--instance-id",
    default=lambda: os.environ.get("HUB_INSTANCE_ID", socket.gethostname()),
    help="Stable id of this instance (its transactional id) [env HUB_INSTANCE_ID; host name].",
)
@click.option(
    "--health-port",
    type=int,
    default=lambda: int(os.environ.get("HUB_HEALTH_PORT", "0")),
    help="Serve /ready and /live on 127.0.0.1:PORT [env HUB_HEALTH_PORT; off].",
)
@click.option(
    "--park-timeout",
    type=float,
    default=lambda: float(os.environ.get("HUB_PARK_TIMEOUT", "30")),
    help="Seconds an event waits for its case before REFERENCE_NOT_FOUND [env HUB_PARK_TIMEOUT].",
)
@click.option(
    "--stuck-after",
    type=float,
    default=lambda: float(os.environ.get("HUB_STUCK_AFTER", "300")),
    help="Exit with code 3 when the Kafka loop makes no progress for this many seconds, "
    "so the supervisor restarts the instance (hub/kafka/watchdog.py) [env HUB_STUCK_AFTER].",
)
@click.option("--schemas", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option("--routes", type=click.Path(dir_okay=False, path_type=Path), default=None)
def run(
    *,
    instance_id: str,
    health_port: int,
    park_timeout: float,
    stuck_after: float,
    schemas: Path | None,
    routes: Path | None,
) -> None:
    """Run one hub instance: consume ingress.*, validate, route, publish egress.*."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    limits = PipelineLimits(park_timeout_ms=int(park_timeout * 1000))
    processor = build_processor(schemas, routes, limits)
    settings = KafkaSettings.from_env()
    watchdog = LoopWatchdog(stuck_after)
    service = HubService(
        settings,
        processor,
        instance_id,
        clock=watchdog.clock_ms,
        tracer=tracer_for("justice-hub"),
        meter=meter_for("justice-hub"),
    )
    stop = threading.Event()
    watchdog.watch(stop)

    def request_stop(signum: int, frame: FrameType | None) -> None:
        logging.getLogger("hub").info("stopping after the batch in flight (signal %d)", signum)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    if health_port:
        serve_health(health_port, service.ready)
    logging.getLogger("hub").info("hub %s consuming from %s", instance_id, settings.bootstrap)
    service.run(stop)
