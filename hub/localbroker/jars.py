"""Kafka's own jars, resolved from Maven Central once into a cache.

Kafka is neither a Debian nor a PyPI package, but Maven Central serves the
broker as `org.apache.kafka:kafka_2.13`. The pom beside this module pins the
version; Maven copies the runtime class path into `<cache>/kafka-<version>/`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from hub.localbroker.errors import BrokerError

POM = Path(__file__).with_name("pom.xml")
KAFKA_VERSION = re.search(r"<kafka\.version>([^<]+)</kafka\.version>", POM.read_text())[1]  # type: ignore[index]
_DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
_COMPLETE_MARKER = ".complete"


def jars_dir(cache_dir: Path) -> Path:
    return cache_dir / f"kafka-{KAFKA_VERSION}"


def _maven_failure(output: str) -> str:
    errors = [line.removeprefix("[ERROR]").strip() for line in output.splitlines()]
    errors = [line for line in errors if line and line.startswith(("Failed", "Could", "Non-res"))]
    return errors[0] if errors else (output.strip().splitlines() or ["no output"])[-1]


def is_resolved(cache_dir: Path) -> bool:
    return (jars_dir(cache_dir) / _COMPLETE_MARKER).exists()


def resolve_jars(cache_dir: Path) -> Path:
    """The folder of Kafka's runtime jars, downloading them with Maven the first time."""
    target = jars_dir(cache_dir)
    if is_resolved(cache_dir):
        return target
    maven = os.environ.get("HUB_MVN") or shutil.which("mvn")
    if maven is None:
        raise BrokerError(
            "Maven (mvn) is needed once to fetch Kafka's jars from Maven Central; "
            "install it (Debian: apt-get install maven) or set HUB_MVN"
        )
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"kafka-{KAFKA_VERSION}-", dir=cache_dir) as work:
        staging = Path(work) / "jars"
        command = [
            maven,
            "-B",
            "-q",
            "-f",
            str(POM),
            f"{_DEPENDENCY_PLUGIN}:copy-dependencies",
            "-DincludeScope=runtime",
            f"-DoutputDirectory={staging}",
        ]
        try:
            run = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise BrokerError(f"could not run Maven ({maven}): {error}") from error
        if run.returncode != 0 or not any(staging.glob("kafka_2.13-*.jar")):
            raise BrokerError(
                f"could not resolve org.apache.kafka:kafka_2.13:{KAFKA_VERSION} from Maven "
                f"Central (is the registry reachable?): {_maven_failure(run.stdout + run.stderr)}"
            )
        (staging / _COMPLETE_MARKER).write_text(KAFKA_VERSION)
        if (target / _COMPLETE_MARKER).exists():  # another process finished first
            return target
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
    return target
