"""The TLS material of a local broker started with `--secure --tls`.

At format time a private certificate authority is made for this one broker and
signs one server certificate for 127.0.0.1 and localhost. The CA's private key
is then thrown away: it has signed the only certificate it ever will, so a copy
of the data directory cannot mint another server that clients would trust.

Files in `<data_dir>/tls/`:
- `ca.pem`: the CA certificate, what clients trust (HUB_KAFKA_SSL_CA);
- `server.pem`: the server's private key (PKCS#8) and certificate chain, mode 0600,
  the broker's PEM keystore (`ssl.keystore.type=PEM`).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from hub.localbroker.errors import BrokerError

FOLDER = "tls"
# A development broker: long enough to outlive a project, short enough to expire.
VALID_FOR = dt.timedelta(days=825)
SERVER_NAMES = ("127.0.0.1", "localhost")


@dataclass(frozen=True, slots=True)
class BrokerTls:
    """Where one broker's CA certificate and server keystore are."""

    ca_file: Path
    keystore_file: Path

    def missing(self) -> list[Path]:
        return [path for path in (self.ca_file, self.keystore_file) if not path.exists()]


def tls_paths(data_dir: Path) -> BrokerTls:
    folder = data_dir / FOLDER
    return BrokerTls(ca_file=folder / "ca.pem", keystore_file=folder / "server.pem")


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "justice-hub local broker"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def make_ca(common_name: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A new self-signed CA that may sign server certificates and nothing below them."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(_name(common_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + VALID_FOR)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def _server_certificate(
    ca_key: ec.EllipticCurvePrivateKey, ca: x509.Certificate
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    names = x509.SubjectAlternativeName(
        [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + VALID_FOR)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(names, critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    return key, certificate


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def _write_private(path: Path, content: bytes) -> None:
    # Created with 0600 from the start, never readable by others even for a moment.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(content)
    path.chmod(0o600)  # O_CREAT keeps the mode of a file left by an earlier attempt


def generate(data_dir: Path) -> BrokerTls:
    """A new CA and server certificate for this broker, replacing any left by a failed format."""
    paths = tls_paths(data_dir)
    paths.ca_file.parent.mkdir(parents=True, exist_ok=True)
    ca_key, ca = make_ca(f"justice-hub local broker CA {data_dir.name}")
    key, certificate = _server_certificate(ca_key, ca)
    # Kafka's PEM keystore: an unencrypted PKCS#8 key, then the chain from the server up.
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _write_private(paths.keystore_file, private + _pem(certificate) + _pem(ca))
    paths.ca_file.write_bytes(_pem(ca))
    paths.ca_file.chmod(0o644)
    return paths


def write_ca_certificate(path: Path, common_name: str) -> Path:
    """A CA certificate of a CA nobody else uses (its key discarded): one to trust wrongly."""
    _, certificate = make_ca(common_name)
    path.write_bytes(_pem(certificate))
    return path


def existing(data_dir: Path) -> BrokerTls:
    """The TLS material made when `data_dir` was formatted; BrokerError when it is gone."""
    paths = tls_paths(data_dir)
    if missing := paths.missing():
        raise BrokerError(
            f"{', '.join(map(str, missing))} missing: this TLS broker's certificate is lost; "
            "start again with `hub broker down --purge` and `hub broker up --secure --tls`"
        )
    return paths
