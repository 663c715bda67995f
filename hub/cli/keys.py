"""`hub keys generate ORG` and `hub keys list`: the organisations' signing keys.

The private key goes to a directory outside git (HUB_SIGNING_KEYS_DIR, default
~/.config/justice-hub/keys), readable by its owner only; the public key is
appended to the organisation's published key set, `keys/<org>.jwks.json`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from hub.cli.output import emit, fail, json_option, table
from hub.settings import SigningSettings
from hub.signing import KeyFileError, generate_key, load_keyring
from hub.signing.keys import ORG, publish_key, read_private_keys, write_private_key
from hub.signing.rotation import retire_key


@click.group()
def keys() -> None:
    """Signing keys: one Ed25519 key set (JWKS) per organisation, rotated with an overlap."""


def _when(value: datetime | None) -> datetime | None:
    if value is not None and value.utcoffset() is None:
        raise click.BadParameter("give an offset, e.g. 2027-01-01T00:00:00+00:00")
    return value


_private_dir_option = click.option(
    "--dir",
    "private_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Private keys, <kid>.private.jwk [HUB_SIGNING_KEYS_DIR; ~/.config/justice-hub/keys].",
)
_jwks_dir_option = click.option(
    "--jwks-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The published key sets, <org>.jwks.json [HUB_JWKS_DIR; the repository's keys/].",
)
_TIME = click.DateTime(["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S%z", "%Y-%m-%dT%H:%M%z"])


@keys.command()
@click.argument("org")
@_private_dir_option
@_jwks_dir_option
@click.option("--valid-from", type=_TIME, default=None, help="Start of validity [now].")
@click.option("--valid-until", type=_TIME, default=None, help="End of validity [open].")
@json_option
def generate(
    org: str,
    *,
    private_dir: Path | None,
    jwks_dir: Path | None,
    valid_from: datetime | None,
    valid_until: datetime | None,
    as_json: bool,
) -> None:
    """A new key pair for ORG (police, courts, koda, hub): private part outside git.

    To rotate, generate the next key with a --valid-from before the old key's
    end and give the old key a validUntil in its key set: both verify during
    the overlap. The hub reads the key sets at start.
    """
    if not ORG.fullmatch(org):
        fail("ORG is lower-case letters, digits and hyphens, e.g. police", as_json)
    settings = SigningSettings.from_env()
    private_dir = private_dir or settings.private_dir
    jwks_dir = jwks_dir or settings.jwks_dir
    try:
        key = generate_key(org, _when(valid_from), _when(valid_until))
        private = write_private_key(private_dir, key)
        published = publish_key(jwks_dir, key.public)
    except (KeyFileError, ValueError, OSError) as error:
        fail(str(error), as_json)
    result = {
        "org": org,
        "kid": key.kid,
        "validFrom": key.public.to_jwk()["validFrom"],
        "validUntil": key.public.to_jwk().get("validUntil"),
        "privateKey": str(private),
        "jwks": str(published),
    }
    emit(result, as_json, _show_generated)


def _show_generated(console: Console, result: dict[str, Any]) -> None:
    console.print(f"{result['org']}: new key {result['kid']} valid from {result['validFrom']}")
    console.print(f"  private key (mode 0600, keep out of git): {result['privateKey']}")
    console.print(f"  public key appended to {result['jwks']}")


@keys.command()
@click.argument("kid")
@click.option("--at", "until", type=_TIME, default=None, help="End of validity [now].")
@_private_dir_option
@_jwks_dir_option
@json_option
def retire(
    kid: str,
    *,
    until: datetime | None,
    private_dir: Path | None,
    jwks_dir: Path | None,
    as_json: bool,
) -> None:
    """End KID's validity --at a time (default now): after it, the hub refuses its
    signatures (UNKNOWN_KEY). An end can be brought forward, never pushed back.
    """
    settings = SigningSettings.from_env()
    end = _when(until) or datetime.now(UTC).replace(microsecond=0)
    try:
        key = retire_key(
            jwks_dir or settings.jwks_dir, private_dir or settings.private_dir, kid, end
        )
    except KeyFileError as error:
        fail(str(error), as_json)
    jwk = key.to_jwk()
    result = {
        "org": key.org,
        "kid": kid,
        "validFrom": jwk["validFrom"],
        "validUntil": jwk["validUntil"],
    }
    emit(result, as_json, _show_retired)


def _show_retired(console: Console, result: dict[str, Any]) -> None:
    console.print(f"{result['org']}: key {result['kid']} valid until {result['validUntil']}")
    console.print("  restart the hub (and connectors) so they read the changed key set")


@keys.command(name="list")
@_jwks_dir_option
@json_option
def list_keys(*, jwks_dir: Path | None, as_json: bool) -> None:
    """Every published key: organisation, kid, validity, and whether its private part is here."""
    settings = SigningSettings.from_env()
    try:
        keyring = load_keyring(jwks_dir or settings.jwks_dir)
        rows = []
        for org in keyring.orgs:
            private = {key.kid for key in read_private_keys(settings.private_dir, org)}
            for key in keyring.keys_of(org):
                jwk = key.to_jwk()
                rows.append(
                    {
                        "org": org,
                        "kid": key.kid,
                        "validFrom": jwk["validFrom"],
                        "validUntil": jwk.get("validUntil"),
                        "privateKeyHere": key.kid in private,
                    }
                )
    except KeyFileError as error:
        fail(str(error), as_json)
    emit({"keys": rows}, as_json, _show_list)


def _show_list(console: Console, result: dict[str, Any]) -> None:
    console.print(
        table(
            "Published signing keys",
            ["org", "kid", "valid from", "valid until", "private key here"],
            [
                [k["org"], k["kid"], k["validFrom"], k["validUntil"] or "open", k["privateKeyHere"]]
                for k in result["keys"]
            ],
        )
    )
