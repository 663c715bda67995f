"""`hub broker` as a developer uses it, and its clear errors for bad situations."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from hub.localbroker import KAFKA_VERSION, LocalBroker
from hub.localbroker.process import free_port
from tests.e2e.conftest import broker_env, run_hub, writable_script

pytestmark = pytest.mark.e2e


def _fresh_broker_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    port = free_port()
    return {
        "HUB_BROKER_PORT": str(port),
        "HUB_BROKER_CONTROLLER_PORT": str(free_port()),
        "HUB_BROKER_DIR": str(tmp_path / "broker"),
        **overrides,
    }


def test_status_json_reports_the_running_broker(local_broker: LocalBroker) -> None:
    result = run_hub("broker", "status", "--json", env=broker_env(local_broker))

    assert result.returncode == 0, result.stderr
    status = json.loads(result.stdout)
    assert status["running"] is True
    assert status["answering"] is True
    assert status["bootstrap"] == local_broker.settings.bootstrap
    assert status["kafka_version"] == KAFKA_VERSION
    assert status["pid"] == local_broker.running_pid()
    assert status["data_dir"] == str(local_broker.settings.data_dir)


def test_status_json_says_not_running_for_an_unused_data_dir(tmp_path: Path) -> None:
    result = run_hub("broker", "status", "--json", env=_fresh_broker_env(tmp_path))

    assert result.returncode == 0, result.stderr
    status = json.loads(result.stdout)
    assert (status["running"], status["pid"]) == (False, None)


def test_up_twice_reuses_the_running_broker(local_broker: LocalBroker) -> None:
    result = run_hub("broker", "up", "--json", env=broker_env(local_broker))

    assert result.returncode == 0, result.stderr
    status = json.loads(result.stdout)
    assert status["reused"] is True
    assert status["pid"] == local_broker.running_pid()


def test_up_and_down_start_and_stop_exactly_one_broker(tmp_path: Path) -> None:
    env = _fresh_broker_env(tmp_path)
    started = run_hub("broker", "up", "--json", env=env)
    assert started.returncode == 0, started.stderr
    pid = json.loads(started.stdout)["pid"]

    stopped = run_hub("broker", "down", "--json", env=env)

    assert stopped.returncode == 0, stopped.stderr
    assert json.loads(stopped.stdout) == {
        "stopped": True,
        "pid": pid,
        "purged": False,
        "data_dir": env["HUB_BROKER_DIR"],
    }
    assert json.loads(run_hub("broker", "status", "--json", env=env).stdout)["running"] is False


def test_port_in_use_is_a_one_line_error(tmp_path: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        env = _fresh_broker_env(tmp_path, HUB_BROKER_PORT=str(port))

        result = run_hub("broker", "up", env=env)

    assert result.returncode == 1
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr


def test_missing_java_names_the_version_needed(tmp_path: Path) -> None:
    env = _fresh_broker_env(tmp_path, JAVA_HOME=str(tmp_path / "no-jdk-here"))

    result = run_hub("broker", "up", env=env)

    assert result.returncode == 1
    assert "no Java at JAVA_HOME=" in result.stderr
    assert "Java 17 or newer" in result.stderr


def test_too_old_java_names_the_version_found_and_needed(tmp_path: Path) -> None:
    fake_jdk = tmp_path / "jdk8"
    (fake_jdk / "bin").mkdir(parents=True)
    writable_script(
        fake_jdk / "bin" / "java",
        "#!/bin/sh\necho 'openjdk version \"1.8.0_392\"' >&2\n",
    )

    result = run_hub("broker", "up", env=_fresh_broker_env(tmp_path, JAVA_HOME=str(fake_jdk)))

    assert result.returncode == 1
    assert "is Java 8" in result.stderr
    assert "Java 17 or newer" in result.stderr


def test_maven_that_cannot_reach_the_registry_is_a_clear_error(tmp_path: Path) -> None:
    failing_maven = writable_script(
        tmp_path / "mvn",
        "#!/bin/sh\necho '[ERROR] Failed to execute goal: Could not transfer artifact "
        "org.apache.kafka:kafka_2.13:pom:4.1.1 from/to central: Connection refused'\nexit 1\n",
    )
    env = _fresh_broker_env(
        tmp_path, HUB_MVN=str(failing_maven), HUB_CACHE_DIR=str(tmp_path / "empty-cache")
    )

    result = run_hub("broker", "up", env=env)

    assert result.returncode == 1
    assert "could not resolve org.apache.kafka:kafka_2.13" in result.stderr
    assert "Connection refused" in result.stderr


def test_a_broker_that_does_not_come_up_shows_the_last_lines_of_its_log(tmp_path: Path) -> None:
    # A heap too small for the JVM: the broker process dies during start-up.
    result = run_hub("broker", "up", env=_fresh_broker_env(tmp_path, HUB_BROKER_HEAP="1m"))

    assert result.returncode == 1
    assert "the broker exited during start-up" in result.stderr
    assert "heap" in result.stderr.lower()


def test_up_secure_keeps_the_six_logins_in_a_private_file_and_down_stops_it(
    tmp_path: Path,
) -> None:
    env = _fresh_broker_env(tmp_path)
    started = run_hub("broker", "up", "--secure", "--json", env=env)
    assert started.returncode == 0, started.stderr
    status = json.loads(started.stdout)
    readable = run_hub("broker", "status", env=env)

    stopped = run_hub("broker", "down", "--json", env=env)

    credentials = Path(status["credentials_file"])
    passwords = json.loads(credentials.read_text())["users"]
    assert status["secure"] is True
    assert credentials.parent == Path(env["HUB_BROKER_DIR"])
    assert credentials.stat().st_mode & 0o777 == 0o600
    assert set(passwords) == {"admin", "hub", "police", "courts", "koda", "operations"}
    assert str(credentials) in readable.stdout
    printed = started.stdout + started.stderr + readable.stdout + readable.stderr
    assert not any(password in printed for password in passwords.values())
    assert stopped.returncode == 0, stopped.stderr
    assert json.loads(stopped.stdout)["pid"] == status["pid"]
    assert json.loads(run_hub("broker", "status", "--json", env=env).stdout)["running"] is False


def test_a_secured_data_dir_cannot_silently_start_plaintext(tmp_path: Path) -> None:
    env = _fresh_broker_env(tmp_path)
    assert run_hub("broker", "up", "--secure", env=env).returncode == 0
    run_hub("broker", "down", env=env)

    result = run_hub("broker", "up", env=env)

    assert result.returncode == 1
    assert "was formatted secured and cannot silently become plaintext" in result.stderr
    assert json.loads(run_hub("broker", "status", "--json", env=env).stdout)["running"] is False


def test_a_plaintext_data_dir_cannot_silently_become_secured(local_broker: LocalBroker) -> None:
    result = run_hub("broker", "up", "--secure", env=broker_env(local_broker))

    assert result.returncode == 1
    assert "was formatted plaintext and cannot silently become secured" in result.stderr
    assert local_broker.status().answering is True
