"""What makes a local broker's data directory secured: its SCRAM users, their passwords
and the security mode recorded when it was formatted.

`hub broker up --secure` creates one SCRAM-SHA-512 user per system of the chain
when it formats the data directory, each with a random password, and writes
them to `<data_dir>/credentials.json` (mode 0600, readable by its owner only).
The passwords are never printed: tools and tests read them from that file and
hand them to clients as `KafkaSettings`. The file also says how to connect:
the bootstrap address, the security protocol and, with `--tls`, the CA
certificate clients must trust (tls.py).

The mode is fixed at format time (`security.json`): starting a plaintext
directory secured, or a secured one plaintext, is refused rather than done
silently (plaintext would drop every ACL; the other way, nobody has a login);
so is turning TLS on or off (clients configured for one would fail the other).
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from hub.localbroker.errors import BrokerError
from hub.settings import KafkaSettings

SCRAM_MECHANISM = "SCRAM-SHA-512"
SECURITY_PROTOCOL = "SASL_PLAINTEXT"
TLS_SECURITY_PROTOCOL = "SASL_SSL"
ADMIN = "admin"
# The admin tool identity (a super user, also the broker's own inter-broker login),
# then the systems of the chain, whose rights hub/kafka/acl.py lists.
USERS = (ADMIN, "hub", "police", "courts", "koda", "operations")
FILE_NAME = "credentials.json"
MODE_FILE = "security.json"


def credentials_path(data_dir: Path) -> Path:
    return data_dir / FILE_NAME


@dataclass(frozen=True, slots=True)
class BrokerCredentials:
    """Every SCRAM user of one secured broker and its password."""

    path: Path
    passwords: Mapping[str, str]
    mechanism: str = SCRAM_MECHANISM
    security_protocol: str = SECURITY_PROTOCOL
    ssl_ca: str | None = None  # the CA certificate clients trust, with SASL_SSL

    def password(self, user: str) -> str:
        try:
            return self.passwords[user]
        except KeyError:
            raise BrokerError(f"{self.path} has no user {user!r} (it has {self.users})") from None

    @property
    def users(self) -> list[str]:
        return list(self.passwords)

    def kafka_settings(self, bootstrap: str, user: str) -> KafkaSettings:
        """How `user` connects to the broker at `bootstrap`."""
        return KafkaSettings(
            bootstrap=bootstrap,
            security_protocol=self.security_protocol,
            sasl_mechanism=self.mechanism,
            sasl_username=user,
            sasl_password=self.password(user),
            ssl_ca=self.ssl_ca,
        )

    def hide(self, text: str) -> str:
        """`text` with every password replaced by ***."""
        for password in self.passwords.values():
            text = text.replace(password, "***")
        return text

    def scram_arguments(self) -> list[str]:
        """The StorageTool `--add-scram` arguments that create every user at format time."""
        arguments = []
        for user, password in self.passwords.items():
            scram = f'{self.mechanism}=[name="{user}",password="{password}"]'
            arguments += ["--add-scram", scram]
        return arguments


def generate(path: Path, bootstrap: str, ssl_ca: Path | None = None) -> BrokerCredentials:
    """New random passwords for every user, written to `path` with mode 0600.

    With `ssl_ca` clients connect over SASL_SSL and trust that CA certificate.

    Refuses to overwrite: the broker formatted with the old passwords would no
    longer match the file.
    """
    # URL-safe characters only: they need no quoting in JAAS or --add-scram arguments.
    passwords = {user: secrets.token_urlsafe(24) for user in USERS}
    protocol = SECURITY_PROTOCOL if ssl_ca is None else TLS_SECURITY_PROTOCOL
    document = {
        "bootstrap": bootstrap,
        "mechanism": SCRAM_MECHANISM,
        "security_protocol": protocol,
        "ssl_ca": None if ssl_ca is None else str(ssl_ca),
        "users": passwords,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # Created with 0600 from the start, never readable by others even for a moment.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise BrokerError(f"{path} exists already; it belongs to an earlier format") from None
    with os.fdopen(descriptor, "w") as file:
        json.dump(document, file, indent=2)
        file.write("\n")
    ca = None if ssl_ca is None else str(ssl_ca)
    return BrokerCredentials(path, MappingProxyType(passwords), SCRAM_MECHANISM, protocol, ca)


def load(path: Path) -> BrokerCredentials:
    """The users and passwords in `path`, as `generate` wrote them."""
    try:
        document = json.loads(path.read_text())
        passwords = {str(user): str(password) for user, password in document["users"].items()}
        mechanism = str(document.get("mechanism", SCRAM_MECHANISM))
        protocol = str(document.get("security_protocol", SECURITY_PROTOCOL))
        ssl_ca = document.get("ssl_ca")
    except FileNotFoundError:
        raise BrokerError(
            f"{path} is missing: this secured broker's passwords are lost; "
            "start again with `hub broker down --purge` and `hub broker up --secure`"
        ) from None
    except (OSError, ValueError, KeyError, AttributeError) as error:
        raise BrokerError(f"cannot read the broker's credentials from {path}: {error}") from error
    ca = None if ssl_ca is None else str(ssl_ca)
    return BrokerCredentials(path, MappingProxyType(passwords), mechanism, protocol, ca)


def _recorded(data_dir: Path, formatted: bool, key: str) -> bool | None:
    try:
        return bool(json.loads((data_dir / MODE_FILE).read_text()).get(key, False))
    except (OSError, ValueError, AttributeError):
        # Formatted before secured brokers existed: plaintext.
        return False if formatted else None


def formatted_secure(data_dir: Path, formatted: bool) -> bool | None:
    """How `data_dir` was formatted: secured, plaintext, or None when not yet."""
    return _recorded(data_dir, formatted, "secure")


def formatted_tls(data_dir: Path, formatted: bool) -> bool | None:
    """Whether `data_dir` was formatted with TLS, or None when not yet formatted."""
    return _recorded(data_dir, formatted, "tls")


def record_security(data_dir: Path, *, secure: bool, tls: bool = False) -> None:
    (data_dir / MODE_FILE).write_text(json.dumps({"secure": secure, "tls": tls}) + "\n")


def refuse_tls_change(data_dir: Path, formatted: bool | None, wanted: bool) -> None:
    """BrokerError when `data_dir`, formatted with or without TLS, is asked for the other."""
    if formatted is None or formatted == wanted:
        return
    was, how = ("with TLS", "with --tls") if formatted else ("without TLS", "without --tls")
    raise BrokerError(
        f"the data directory {data_dir} was formatted {was}: run `hub broker up --secure` "
        f"{how}, or choose another --data-dir, or delete this one with `hub broker down --purge`"
    )


def refuse_security_change(data_dir: Path, formatted: bool | None, wanted: bool) -> None:
    """BrokerError when `data_dir`, formatted one way, is asked to start the other."""
    if formatted is None or formatted == wanted:
        return
    was, asked = ("secured", "plaintext") if formatted else ("plaintext", "secured")
    how = "with --secure (HUB_BROKER_SECURE=1)" if formatted else "without --secure"
    raise BrokerError(
        f"the data directory {data_dir} was formatted {was} and cannot silently become "
        f"{asked}: run `hub broker up` {how}, or choose another --data-dir, "
        "or delete this one with `hub broker down --purge`"
    )
