"""The machine and the software a benchmark ran on, so its figures can be compared."""

from __future__ import annotations

import os
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

import confluent_kafka

from hub import __version__

_PACKAGES = ("orjson", "jsonschema-rs", "confluent-kafka")


def memory_bytes(meminfo: Path = Path("/proc/meminfo")) -> int | None:
    """MemTotal from /proc/meminfo, in bytes (None where there is no /proc)."""
    try:
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def cores() -> int:
    """The cores this process may run on (what `nproc` prints)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def load_average() -> float | None:
    """The 1-minute load average: what else kept the cores busy during a run."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def machine() -> dict[str, Any]:
    memory = memory_bytes()
    return {
        "cores": cores(),
        "memory_bytes": memory,
        "memory_gib": None if memory is None else round(memory / 2**30, 1),
        "cpu": _cpu_model(),
        "system": f"{platform.system()} {platform.release()}",
    }


def versions(kafka: str | None) -> dict[str, str | None]:
    """Versions of the hub, Python, librdkafka, the libraries on the hot path and Kafka."""
    found: dict[str, str | None] = {
        "hub": __version__,
        "python": platform.python_version(),
        "librdkafka": confluent_kafka.libversion()[0],
        "kafka": kafka,
    }
    for package in _PACKAGES:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = None
    return found


def _cpu_model(cpuinfo: Path = Path("/proc/cpuinfo")) -> str | None:
    try:
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        return None
    return None
