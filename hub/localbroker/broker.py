"""A single-node Kafka (KRaft) broker on 127.0.0.1 for development, demos and tests.

`LocalBroker(settings).up()` resolves Kafka's jars once, formats a log
directory, starts `kafka.Kafka` in the background and returns when the broker
answers a metadata request. The pid file lets `down` stop exactly the process
that `up` started, from another shell or another run.

With `secure` the directory is formatted with SCRAM users (credentials.py) and
the broker enforces ACLs (config.py). The choice is recorded at format time and
kept: a plaintext directory never turns secure, nor a secure one plaintext.
With `tls` as well, the client listener is SASL_SSL with a certificate made for
this broker at format time (tls.py); that choice is kept the same way.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from hub.localbroker import config, credentials, process, tls
from hub.localbroker.credentials import ADMIN, BrokerCredentials
from hub.localbroker.errors import BrokerError
from hub.localbroker.jars import KAFKA_VERSION, is_resolved, resolve_jars
from hub.localbroker.java import find_java
from hub.localbroker.readiness import answers_metadata
from hub.localbroker.tls import BrokerTls
from hub.settings import KafkaSettings, LocalBrokerSettings

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    """Default progress sink: say nothing."""


@dataclass(frozen=True, slots=True)
class BrokerStatus:
    running: bool
    answering: bool
    bootstrap: str
    kafka_version: str
    pid: int | None
    data_dir: str
    log_file: str
    started_at: str | None
    secure: bool
    credentials_file: str | None  # the SCRAM users' passwords (mode 0600), when secure
    tls: bool
    security_protocol: str  # what clients set as HUB_KAFKA_SECURITY_PROTOCOL
    ssl_ca: str | None  # the CA certificate clients trust (HUB_KAFKA_SSL_CA), with TLS

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _tail(path: Path, lines: int) -> list[str]:
    try:
        return path.read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return []


def new_cluster_id() -> str:
    """16 random bytes, base64url without padding, as Kafka's own Uuid.randomUuid.

    Like Kafka, never one starting with "-": the storage tool would read it as an option.
    """
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


class LocalBroker:
    """Start, stop and inspect the broker described by `settings`."""

    def __init__(self, settings: LocalBrokerSettings) -> None:
        self.settings = settings
        self._dir = settings.data_dir
        self._state_file = self._dir / "broker.json"
        self._properties = self._dir / "server.properties"
        self.log_file = self._dir / "logs" / "server.log"
        self._stdout_file = self._dir / "logs" / "stdout.log"
        self.credentials_file = credentials.credentials_path(self._dir)

    # -- inspecting -------------------------------------------------------------------

    def _recorded_pid(self) -> tuple[int | None, str | None]:
        try:
            state = json.loads(self._state_file.read_text())
        except (OSError, ValueError):
            return None, None
        return int(state["pid"]), str(state.get("started_at"))

    def _is_ours(self, pid: int) -> bool:
        """Guards against pid reuse: the process must be kafka.Kafka on our properties."""
        args = process.command_line(pid)
        return "kafka.Kafka" in args and str(self._properties) in args

    def running_pid(self) -> int | None:
        pid, _ = self._recorded_pid()
        return pid if pid is not None and process.is_alive(pid) and self._is_ours(pid) else None

    def formatted_secure(self) -> bool | None:
        """How the data directory was formatted: secured, plaintext, or None (not yet)."""
        return credentials.formatted_secure(self._dir, self._is_formatted())

    def _is_formatted(self) -> bool:
        return (self._dir / "kraft" / "meta.properties").exists()

    @property
    def secure(self) -> bool:
        """Whether this broker authenticates clients: as formatted, else as configured."""
        formatted = self.formatted_secure()
        return self.settings.secure if formatted is None else formatted

    @property
    def tls(self) -> bool:
        """Whether clients connect over TLS (SASL_SSL): as formatted, else as configured."""
        formatted = credentials.formatted_tls(self._dir, self._is_formatted())
        return self.settings.tls if formatted is None else formatted

    def credentials(self) -> BrokerCredentials:
        """The SCRAM users of this secured broker and their passwords."""
        return credentials.load(self.credentials_file)

    def client_settings(self, user: str = ADMIN) -> KafkaSettings:
        """How `user` reaches this broker: with its SCRAM login when secured."""
        if not self.secure:
            return KafkaSettings(bootstrap=self.settings.bootstrap)
        return self.credentials().kafka_settings(self.settings.bootstrap, user)

    def _answers(self, timeout: float = 2.0) -> bool:
        try:
            options = self.client_settings().librdkafka_options()
        except BrokerError:  # a secured broker whose credentials are not readable
            return False
        return answers_metadata(options, timeout)

    def status(self, probe_timeout: float = 2.0) -> BrokerStatus:
        pid = self.running_pid()
        _, started_at = self._recorded_pid()
        answering = pid is not None and self._answers(probe_timeout)
        secure, encrypted = self.secure, self.secure and self.tls
        protocol = "PLAINTEXT"
        if secure:
            protocol = (
                credentials.TLS_SECURITY_PROTOCOL if encrypted else credentials.SECURITY_PROTOCOL
            )
        return BrokerStatus(
            running=pid is not None,
            answering=answering,
            bootstrap=self.settings.bootstrap,
            kafka_version=KAFKA_VERSION,
            pid=pid,
            data_dir=str(self._dir),
            log_file=str(self.log_file),
            started_at=started_at if pid is not None else None,
            secure=secure,
            credentials_file=str(self.credentials_file) if secure else None,
            tls=encrypted,
            security_protocol=protocol,
            ssl_ca=str(tls.tls_paths(self._dir).ca_file) if encrypted else None,
        )

    def log_tail(self, lines: int = 30) -> list[str]:
        """The last lines the broker wrote to its log."""
        return _tail(self.log_file, lines)

    # -- starting ---------------------------------------------------------------------

    def up(self, timeout: float = 90.0, progress: Progress = _quiet) -> tuple[BrokerStatus, bool]:
        """Start the broker, or reuse the one already running. Returns (status, reused)."""
        if self.settings.tls and not self.settings.secure:
            raise BrokerError(
                "--tls encrypts the SASL listener of a secured broker: "
                "use `hub broker up --secure --tls`"
            )
        credentials.refuse_security_change(self._dir, self.formatted_secure(), self.settings.secure)
        formatted_tls = credentials.formatted_tls(self._dir, self._is_formatted())
        credentials.refuse_tls_change(self._dir, formatted_tls, self.settings.tls)
        if (pid := self.running_pid()) is not None:
            self._wait_until_ready(pid, None, timeout)
            return self.status(), True
        java = find_java(self.settings.java_home)
        if not is_resolved(self.settings.cache_dir):
            progress(f"resolving Kafka {KAFKA_VERSION} jars from Maven Central (once)")
        jars = resolve_jars(self.settings.cache_dir)
        for port in (self.settings.port, self.settings.controller_port):
            if process.port_in_use(port):
                raise BrokerError(
                    f"port {port} on 127.0.0.1 is already in use by another process; "
                    "choose other ports with --port or HUB_BROKER_PORT"
                )
        formatted = self._is_formatted()
        certificate = self._tls_material(formatted)
        users = self._users(formatted, certificate)
        self._write_config(users, certificate)
        classpath = ["-cp", f"{jars}/*"]
        if not formatted:
            secured = " with SASL/SCRAM users" if users is not None else ""
            secured += " and a TLS certificate" if certificate is not None else ""
            progress(f"formatting a KRaft log directory in {self._dir}{secured}")
            self._format(str(java.executable), classpath, users)
            credentials.record_security(
                self._dir, secure=users is not None, tls=certificate is not None
            )
        progress(f"starting kafka.Kafka on {self.settings.bootstrap}")
        popen = self._launch(str(java.executable), classpath)
        self._state_file.write_text(
            json.dumps({"pid": popen.pid, "started_at": dt.datetime.now(dt.UTC).isoformat()})
        )
        self._wait_until_ready(popen.pid, popen, timeout)
        return self.status(), False

    def _tls_material(self, formatted: bool) -> BrokerTls | None:
        """The CA and server certificate of a TLS broker: new ones before its first format."""
        if not self.settings.tls:
            return None
        return tls.existing(self._dir) if formatted else tls.generate(self._dir)

    def _users(self, formatted: bool, certificate: BrokerTls | None) -> BrokerCredentials | None:
        """The SCRAM users of a secured broker: new ones before its first format."""
        if not self.settings.secure:
            return None
        if formatted:
            return self.credentials()
        # Left by a format that failed: nothing was created with those passwords.
        self.credentials_file.unlink(missing_ok=True)
        ca = certificate.ca_file if certificate is not None else None
        return credentials.generate(self.credentials_file, self.settings.bootstrap, ca)

    def _write_config(self, users: BrokerCredentials | None, certificate: BrokerTls | None) -> None:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self._properties.touch(mode=0o600)
        self._properties.chmod(0o600)  # it holds the admin's password when secured
        self._properties.write_text(config.server_properties(self.settings, users, certificate))
        (self._dir / "log4j2.properties").write_text(config.log4j2_properties(self.log_file))

    def _format(self, java: str, classpath: list[str], users: BrokerCredentials | None) -> None:
        cluster_id = new_cluster_id()
        command = [
            java,
            "-Xmx128m",
            *classpath,
            "kafka.tools.StorageTool",
            "format",
            "-t",
            cluster_id,
            "-c",
            str(self._properties),
            *(users.scram_arguments() if users is not None else []),
        ]
        run = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if run.returncode != 0:
            lines = (run.stdout + run.stderr).strip().splitlines()
            # A Java stack trace: the exception line says why; the frames below it do not.
            why = [line for line in lines if not line.startswith(("\tat ", "\t..."))][-3:]
            # The storage tool may echo an --add-scram argument: never show a password.
            message = users.hide(" | ".join(why)) if users is not None else " | ".join(why)
            raise BrokerError(f"formatting the KRaft log directory failed: {message}")

    def _jvm_options(self) -> list[str]:
        heap = self.settings.heap
        return [
            f"-Xms{heap}",
            f"-Xmx{heap}",
            "-XX:+UseSerialGC",
            "-Djava.awt.headless=true",
            f"-Dkafka.logs.dir={self.log_file.parent}",
            f"-Dlog4j2.configurationFile={self._dir / 'log4j2.properties'}",
        ]

    def _launch(self, java: str, classpath: list[str]) -> subprocess.Popen[bytes]:
        command = [java, *self._jvm_options(), *classpath, "kafka.Kafka", str(self._properties)]
        with self._stdout_file.open("ab") as output:
            # Own session: the broker outlives the shell that ran `hub broker up`.
            return subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                cwd=self._dir,
            )

    def _wait_until_ready(
        self, pid: int, popen: subprocess.Popen[bytes] | None, timeout: float
    ) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            exited = popen.poll() is not None if popen else not process.is_alive(pid)
            if exited:
                raise BrokerError(self._did_not_come_up("exited during start-up"))
            if process.accepts_connections(self.settings.port) and self._answers():
                return
            time.sleep(0.2)
        process.stop(pid, timeout=10)
        raise BrokerError(self._did_not_come_up(f"did not answer within {timeout:.0f} s"))

    def _did_not_come_up(self, what: str) -> str:
        # The JVM's own output says why it could not start; the log, why Kafka stopped.
        parts = [f"the broker {what}"]
        for path in (self._stdout_file, self.log_file):
            if tail := _tail(path, 12):
                parts.append(f"last lines of {path}:\n  " + "\n  ".join(tail))
        return "; ".join(parts) if len(parts) > 1 else parts[0] + " (it wrote no log)"

    # -- stopping ---------------------------------------------------------------------

    def down(self, timeout: float = 30.0) -> int | None:
        """Stop the broker this data directory's pid file names. Returns its pid, if any."""
        pid = self.running_pid()
        if pid is not None:
            process.stop(pid, timeout)
        self._state_file.unlink(missing_ok=True)
        return pid
