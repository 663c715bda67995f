"""`hub broker up | down | status | logs`: the local development broker."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from hub.cli.output import console, emit, fail, json_option
from hub.localbroker import BrokerError, LocalBroker
from hub.settings import LocalBrokerSettings

port_option = click.option(
    "--port", type=int, default=None, help="Client port on 127.0.0.1 [env HUB_BROKER_PORT; 9092]."
)
data_dir_option = click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Data, logs and pid file [env HUB_BROKER_DIR].",
)


secure_option = click.option(
    "--secure/--plaintext",
    default=None,
    help=(
        "SASL/SCRAM-SHA-512 logins and ACLs on the client listener; passwords go to "
        "<data dir>/credentials.json (mode 0600). Fixed when the data dir is formatted "
        "[env HUB_BROKER_SECURE; plaintext]."
    ),
)

tls_option = click.option(
    "--tls/--no-tls",
    default=None,
    help=(
        "With --secure: SASL_SSL instead of SASL_PLAINTEXT, with a CA and a server "
        "certificate made for this broker in <data dir>/tls/ (clients trust tls/ca.pem). "
        "Fixed when the data dir is formatted [env HUB_BROKER_TLS; no TLS]."
    ),
)


def _broker(
    port: int | None, data_dir: Path | None, secure: bool | None = None, tls: bool | None = None
) -> LocalBroker:
    settings = LocalBrokerSettings.from_env(port=port, data_dir=data_dir, secure=secure, tls=tls)
    return LocalBroker(settings)


def _security_lines(status: dict[str, Any]) -> list[str]:
    if not status.get("secure"):
        return ["  security  none (plaintext, no ACLs)"]
    lines = [
        f"  security  {status['security_protocol']}, SCRAM-SHA-512, ACLs "
        "(`hub topics init` as admin applies them)",
        f"  logins    {status['credentials_file']} (mode 0600; never printed)",
    ]
    if status.get("ssl_ca"):
        lines.append(f"  trust     {status['ssl_ca']} (HUB_KAFKA_SSL_CA)")
    return lines


def _client_environment(data: dict[str, Any]) -> str:
    """The variables a client sets to reach this broker (the password stays in its file)."""
    variables = [
        f"HUB_KAFKA_BOOTSTRAP={data['bootstrap']}",
        f"HUB_KAFKA_SECURITY_PROTOCOL={data['security_protocol']}",
        "HUB_KAFKA_SASL_MECHANISM=SCRAM-SHA-512",
        "HUB_KAFKA_SASL_USERNAME=<user>",
        "HUB_KAFKA_SASL_PASSWORD=<its password from that file>",
    ]
    if data.get("ssl_ca"):
        variables.append(f"HUB_KAFKA_SSL_CA={data['ssl_ca']}")
    return " ".join(variables)


def _render_status(out: Console, status: dict[str, Any]) -> None:
    state = "[green]running[/]" if status["running"] else "[yellow]not running[/]"
    if status["running"] and not status["answering"]:
        state = "[yellow]running, not answering yet[/]"
    out.print(f"Kafka {status['kafka_version']} broker: {state}")
    for label, key in (
        ("bootstrap", "bootstrap"),
        ("pid", "pid"),
        ("since", "started_at"),
        ("data dir", "data_dir"),
        ("log", "log_file"),
    ):
        if status.get(key) is not None:
            out.print(f"  {label:<9} {status[key]}")
    for line in _security_lines(status):
        out.print(line)


@click.group()
def broker() -> None:
    """A real single-node Kafka (KRaft) on 127.0.0.1 for development, demos and tests."""


@broker.command()
@port_option
@data_dir_option
@secure_option
@tls_option
@click.option("--timeout", type=float, default=90.0, show_default=True, help="Seconds to wait.")
@json_option
def up(  # click passes every option by name
    *,
    port: int | None,
    data_dir: Path | None,
    secure: bool | None,
    tls: bool | None,
    timeout: float,
    as_json: bool,
) -> None:
    """Start the broker (or reuse the running one) and print its bootstrap address."""
    local = _broker(port, data_dir, secure, tls)
    out = console()
    started = time.monotonic()
    try:
        status, reused = local.up(
            timeout=timeout, progress=(lambda _: None) if as_json else out.print
        )
        users = local.credentials().users if status.secure else []
    except BrokerError as error:
        fail(str(error), as_json)
    result = status.as_dict() | {"reused": reused, "seconds": round(time.monotonic() - started, 2)}
    if status.secure:
        result["users"] = users

    def render(out: Console, data: dict[str, Any]) -> None:
        verb = "already running" if data["reused"] else f"started in {data['seconds']} s"
        out.print(f"Kafka {data['kafka_version']} {verb} (pid {data['pid']})")
        out.print(f"bootstrap: [bold]{data['bootstrap']}[/]")
        if data["secure"]:
            users = ", ".join(data["users"])
            out.print(f"secured: {data['security_protocol']}, SCRAM-SHA-512; users {users}")
            out.print(f"passwords: {data['credentials_file']} (mode 0600)")
            if data["ssl_ca"]:
                out.print(f"certificate authority: {data['ssl_ca']} (made for this broker)")
            out.print(
                f"clients: {_client_environment(data)}; "
                "then `hub topics init` as admin grants the ACLs"
            )

    emit(result, as_json, render)


@broker.command()
@port_option
@data_dir_option
@click.option("--purge", is_flag=True, help="Also delete the data directory (topics and offsets).")
@json_option
def down(port: int | None, data_dir: Path | None, purge: bool, as_json: bool) -> None:
    """Stop the broker that `up` started (only that process, by its pid)."""
    local = _broker(port, data_dir)
    pid = local.down()
    if purge:
        shutil.rmtree(local.settings.data_dir, ignore_errors=True)
    result = {
        "stopped": pid is not None,
        "pid": pid,
        "purged": purge,
        "data_dir": str(local.settings.data_dir),
    }

    def render(out: Console, data: dict[str, Any]) -> None:
        out.print(f"stopped broker (pid {data['pid']})" if data["stopped"] else "no broker running")
        if data["purged"]:
            out.print(f"deleted {data['data_dir']}")

    emit(result, as_json, render)


@broker.command()
@port_option
@data_dir_option
@json_option
def status(port: int | None, data_dir: Path | None, as_json: bool) -> None:
    """Is the broker running and answering? Exit code 0 either way; see `running`."""
    emit(_broker(port, data_dir).status().as_dict(), as_json, _render_status)


@broker.command()
@port_option
@data_dir_option
@click.option("-n", "--lines", type=int, default=40, show_default=True)
@click.option("-f", "--follow", is_flag=True, help="Keep printing new lines (Ctrl-C stops).")
def logs(port: int | None, data_dir: Path | None, lines: int, follow: bool) -> None:
    """The broker's own log."""
    local = _broker(port, data_dir)
    for line in local.log_tail(lines):
        click.echo(line)
    if follow:
        _follow(local.log_file)


def _follow(path: Path) -> None:
    with path.open(errors="replace") as log:
        log.seek(0, 2)
        try:
            while True:
                line = log.readline()
                if line:
                    click.echo(line, nl=False)
                else:
                    time.sleep(0.3)
        except KeyboardInterrupt:
            return
