"""Finding a Java runtime that can run Kafka 4.x (Java 17 or newer)."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from hub.localbroker.errors import BrokerError

REQUIRED_JAVA = 17
_VERSION = re.compile(r'version "(?P<version>[^"]+)"')
_HOW_TO_FIX = (
    f"Kafka 4.x needs Java {REQUIRED_JAVA} or newer: install a JDK {REQUIRED_JAVA}+ "
    f"(Debian: apt-get install openjdk-{REQUIRED_JAVA}-jre-headless) or point JAVA_HOME at one"
)


@dataclass(frozen=True, slots=True)
class JavaRuntime:
    executable: Path
    major_version: int


def _major(version: str) -> int:
    parts = version.split(".")
    # Java 8 and older report "1.8.0_392"; 9 and newer report "17.0.15".
    return int(parts[1]) if parts[0] == "1" and len(parts) > 1 else int(parts[0].split("-")[0])


def find_java(java_home: Path | None) -> JavaRuntime:
    """The `java` of JAVA_HOME, or the one on PATH, checked to be 17 or newer."""
    if java_home is not None:
        executable = java_home / "bin" / "java"
        if not executable.is_file():
            raise BrokerError(f"no Java at JAVA_HOME={java_home} (no bin/java). {_HOW_TO_FIX}")
    else:
        found = shutil.which("java")
        if found is None:
            raise BrokerError(f"no Java found on PATH. {_HOW_TO_FIX}")
        executable = Path(found)
    try:
        probe = subprocess.run(
            [str(executable), "-version"], capture_output=True, text=True, timeout=30, check=False
        )
    except OSError as error:
        raise BrokerError(f"cannot run {executable}: {error.strerror}. {_HOW_TO_FIX}") from error
    match = _VERSION.search(probe.stderr + probe.stdout)
    if probe.returncode != 0 or match is None:
        raise BrokerError(f"{executable} -version did not report a version. {_HOW_TO_FIX}")
    major = _major(match["version"])
    if major < REQUIRED_JAVA:
        raise BrokerError(f"{executable} is Java {major}. {_HOW_TO_FIX}")
    return JavaRuntime(executable=executable, major_version=major)
