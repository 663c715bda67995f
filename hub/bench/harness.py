"""What every phase needs: a broker that is the benchmark's own, loops in threads, sending.

By default the benchmark starts a throwaway broker on free ports in a temporary
directory and stops it at the end, so a benchmark never writes into a
development or production cluster. With HUB_KAFKA_BOOTSTRAP set it uses that
cluster instead: see docs/BENCHMARKS.md for what that changes.
"""

from __future__ import annotations

import contextlib
import cProfile
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from hub.kafka.io import RecordWriter
from hub.localbroker import KAFKA_VERSION, LocalBroker
from hub.localbroker.process import free_port
from hub.pipeline.records import OutgoingRecord
from hub.settings import KafkaSettings, LocalBrokerSettings

Progress = Callable[[str], None]
Loop = Callable[[threading.Event], None]
Runner = tuple[Loop, threading.Event, str]  # the loop, set when it has its partitions, its name

_WRITE_CHUNK = 50_000  # below librdkafka's default local queue of 100,000 messages
# The throwaway broker's place and ports are its own; its heap and jars are the user's.
_BROKER_PLACE = ("HUB_BROKER_PORT", "HUB_BROKER_CONTROLLER_PORT", "HUB_BROKER_DIR")
# Unless HUB_BROKER_HEAP says otherwise. With the development default of 256 MB the
# broker's old generation was full ~20 s into a run and every young collection became
# a full one, ~100 ms each (jstat), stalls that showed in every latency tail
# (docs/BENCHMARKS.md). Kafka's own start script gives a broker 1 GB.
BENCH_BROKER_HEAP = "1g"


@dataclass(frozen=True, slots=True)
class BenchBroker:
    settings: KafkaSettings
    own: bool  # a throwaway broker started for this run
    kafka_version: str | None  # known for the throwaway broker only
    heap: str | None = None  # the throwaway broker's JVM heap

    def as_dict(self) -> dict[str, object]:
        return {
            "bootstrap": self.settings.bootstrap,
            "own": self.own,
            "kafka_version": self.kafka_version,
            "heap": self.heap,
        }


@contextlib.contextmanager
def bench_broker(progress: Progress) -> Iterator[BenchBroker]:
    """HUB_KAFKA_BOOTSTRAP's cluster, or a throwaway broker stopped (and deleted) at the end."""
    if os.environ.get("HUB_KAFKA_BOOTSTRAP"):
        settings = KafkaSettings.from_env()
        progress(f"using the broker at {settings.bootstrap} (HUB_KAFKA_BOOTSTRAP)")
        yield BenchBroker(settings, own=False, kafka_version=None)
        return
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as data_dir:
        env = {k: v for k, v in os.environ.items() if k not in _BROKER_PLACE}
        env["HUB_BROKER_CONTROLLER_PORT"] = str(free_port())
        env.setdefault("HUB_BROKER_HEAP", BENCH_BROKER_HEAP)
        broker = LocalBroker(
            LocalBrokerSettings.from_env(env, port=free_port(), data_dir=Path(data_dir))
        )
        progress(f"starting a throwaway broker on {broker.settings.bootstrap} in {data_dir}")
        try:
            status, _ = broker.up(progress=progress)
            settings = KafkaSettings(bootstrap=status.bootstrap)
            yield BenchBroker(settings, True, KAFKA_VERSION, broker.settings.heap)
        finally:
            broker.down()


@contextlib.contextmanager
def running(
    loop: Loop,
    ready: threading.Event,
    name: str,
    *,
    profiler: cProfile.Profile | None = None,
    timeout: float = 120,
) -> Iterator[None]:
    """`loop` in a thread of its own until the block ends; entered once it is `ready`."""
    stop = threading.Event()
    failures: list[BaseException] = []

    def body() -> None:
        try:
            if profiler is None:
                loop(stop)
            else:  # cProfile sees only the thread that enabled it: this one
                profiler.runcall(loop, stop)
        except BaseException as error:
            failures.append(error)

    thread = threading.Thread(target=body, name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not ready.wait(0.05):
        if not thread.is_alive():
            raise RuntimeError(f"{name} stopped during start-up: {failures[0]!r}")
        if time.monotonic() > deadline:
            stop.set()
            raise TimeoutError(f"{name} did not get its partitions within {timeout:.0f} s")
    try:
        yield
    finally:
        stop.set()
        thread.join(60)
    if failures:
        raise RuntimeError(f"{name} failed: {failures[0]!r}") from failures[0]


def send(writer: RecordWriter, records: Iterable[OutgoingRecord]) -> int:
    """Write `records` in chunks the producer's queue holds; how many were written."""
    chunk: list[OutgoingRecord] = []
    written = 0
    for record in records:
        chunk.append(record)
        if len(chunk) == _WRITE_CHUNK:
            writer.write(chunk, timeout=120)
            written, chunk = written + len(chunk), []
    writer.write(chunk, timeout=120)
    return written + len(chunk)
