"""`hub console` as operations start it: a subprocess on a free local port, with its users."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from hub.console.users import Role, User, hash_password, save_user
from tests.e2e.conftest import stopped

# Synthetic operators of a night shift, and the auditor who reviews it the next morning.
PASSWORD = "night-shift-synthetic-password"
USERS = {
    "vera.viewer": Role.VIEWER,
    "ola.operator": Role.OPERATOR,
    "kari.operator": Role.OPERATOR,
    "aud.auditor": Role.AUDITOR,
}


@dataclass(frozen=True)
class Console:
    url: str
    users_file: Path


def write_users(path: Path) -> Path:
    hashed = hash_password(PASSWORD)  # one hash for all: argon2 is slow on purpose
    for user_id, role in USERS.items():
        save_user(path, User(user_id, role, hashed))
    return path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/sign-in", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@contextlib.contextmanager
def running_console(users_file: Path, env: Mapping[str, str]) -> Iterator[Console]:
    """`hub console --port P` until the block ends; its log is printed if it had an error."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = users_file.with_name("console.log")
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "hub", "console", "--port", str(port)],
            env={
                **os.environ,
                **env,
                "HUB_CONSOLE_USERS": str(users_file),
                "PYTHONFAULTHANDLER": "1",
            },
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while not _answers(url):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise AssertionError(f"hub console did not start:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.2)
        yield Console(url, users_file)
    finally:
        if process.poll() is not None:
            print(f"hub console had exited with code {process.returncode}", file=sys.stderr)
        stopped(process, 15)
        output = log_path.read_text()
        if (
            "Traceback" in output or "Fatal Python error" in output
        ):  # shown with the failing test's captured output
            print(f"hub console's log ({log_path}):\n{output[-6000:]}", file=sys.stderr)
