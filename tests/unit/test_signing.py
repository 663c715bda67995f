"""Signatures: what a signature covers, which keys count, when, and the files keys live in."""

from __future__ import annotations

import json
import stat
import warnings
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner
from joserfc import jws as joserfc_jws
from joserfc.jwk import OKPKey

from hub.app import build_processor
from hub.cli import main
from hub.envelope import new_envelope, to_headers
from hub.pipeline.outcomes import Accepted, Rejected
from hub.pipeline.records import IngressRecord
from hub.pipeline.state import PartitionState
from hub.signing import (
    EventSigner,
    KeyFileError,
    Keyring,
    SignatureFault,
    generate_key,
    load_keyring,
    sign,
    verify,
)
from hub.signing.jws import BOUND_ATTRIBUTES
from hub.signing.keys import (
    b64url,
    b64url_decode,
    millis,
    publish_key,
    read_jwks,
    read_private_keys,
    write_private_key,
)
from tests.conftest import REPOSITORY
from tests.events import case_registered, signed

VALUE = b'{"caseId":"12345678","note":"synthetic"}'
ATTRIBUTES = (
    "3f1e0b6e-6c1f-4d7f-9a57-1c2a3b4c5d6e",
    "urn:no:justice:police",
    "no.justice.case.registered",
    "urn:no:justice:schema:case.registered:2",
)
JAN_2029 = datetime(2029, 1, 1, tzinfo=UTC)
OLD_ENDS = datetime(2030, 1, 1, tzinfo=UTC)
NEW_BEGINS = OLD_ENDS - timedelta(days=30)  # a month of overlap


def _fault(
    keyring: Keyring,
    token: str | None,
    value: bytes = VALUE,
    *,
    attributes: Sequence[str] = ATTRIBUTES,
    now: datetime = JAN_2029,
    org: str = "police",
) -> SignatureFault | None:
    """Why `org`'s signature `token` is refused at `now`, or None when it verifies."""
    problem = verify(keyring, org, token, value, attributes, now_ms=millis(now))
    return None if problem is None else problem.fault


@pytest.fixture(scope="module")
def police() -> tuple[Keyring, EventSigner]:
    key = generate_key("police", valid_from=datetime(2020, 1, 1, tzinfo=UTC))
    return Keyring([key.public]), EventSigner("police", [key])


def test_a_signed_event_verifies(police: tuple[Keyring, EventSigner]) -> None:
    keyring, signer = police
    assert _fault(keyring, sign(signer.key(), VALUE, ATTRIBUTES)) is None


def test_one_changed_byte_of_the_value_is_signature_invalid(
    police: tuple[Keyring, EventSigner],
) -> None:
    keyring, signer = police
    token = sign(signer.key(), VALUE, ATTRIBUTES)
    changed = VALUE.replace(b"synthetic", b"synthetiC")

    assert _fault(keyring, token, changed) is SignatureFault.SIGNATURE_INVALID


def test_no_signature_is_signature_missing(police: tuple[Keyring, EventSigner]) -> None:
    assert _fault(police[0], None) is SignatureFault.SIGNATURE_MISSING


@pytest.mark.parametrize("index", range(4), ids=["ce_id", "ce_source", "ce_type", "ce_dataschema"])
def test_a_signature_copied_onto_another_event_is_refused(
    police: tuple[Keyring, EventSigner], index: int
) -> None:
    keyring, signer = police
    token = sign(signer.key(), VALUE, ATTRIBUTES)
    other = list(ATTRIBUTES)
    other[index] = other[index] + "x"

    assert _fault(keyring, token, attributes=other) is SignatureFault.SIGNATURE_INVALID


def test_a_key_nobody_published_is_unknown_key(police: tuple[Keyring, EventSigner]) -> None:
    stranger = generate_key("police", valid_from=datetime(2020, 1, 1, tzinfo=UTC))

    assert _fault(police[0], sign(stranger, VALUE, ATTRIBUTES)) is SignatureFault.UNKNOWN_KEY


def test_another_organisations_key_is_unknown_key_for_this_source(
    police: tuple[Keyring, EventSigner],
) -> None:
    keyring, signer = police

    token = sign(signer.key(), VALUE, ATTRIBUTES)

    assert _fault(keyring, token, org="courts") is SignatureFault.UNKNOWN_KEY


def _rotation() -> tuple[Keyring, str, str]:
    old = generate_key("police", datetime(2020, 1, 1, tzinfo=UTC), OLD_ENDS)
    new = generate_key("police", NEW_BEGINS)
    keyring = Keyring([old.public, new.public])
    return keyring, sign(old, VALUE, ATTRIBUTES), sign(new, VALUE, ATTRIBUTES)


def test_during_a_rotation_overlap_both_keys_verify() -> None:
    keyring, by_old, by_new = _rotation()
    overlap = NEW_BEGINS + timedelta(days=1)

    assert (_fault(keyring, by_old, now=overlap), _fault(keyring, by_new, now=overlap)) == (
        None,
        None,
    )


def test_after_its_end_the_old_key_is_unknown_key_and_the_new_one_verifies() -> None:
    keyring, by_old, by_new = _rotation()

    assert _fault(keyring, by_old, now=OLD_ENDS) is SignatureFault.UNKNOWN_KEY
    assert _fault(keyring, by_new, now=OLD_ENDS) is None


def test_a_key_not_yet_in_force_is_unknown_key() -> None:
    keyring, _, by_new = _rotation()

    assert _fault(keyring, by_new, now=NEW_BEGINS - timedelta(seconds=1)) is (
        SignatureFault.UNKNOWN_KEY
    )


def test_during_an_overlap_a_signer_uses_the_key_that_began_last() -> None:
    old = generate_key("police", datetime(2020, 1, 1, tzinfo=UTC), OLD_ENDS)
    new = generate_key("police", NEW_BEGINS)

    def at(when: datetime) -> str:
        return EventSigner("police", [old, new], clock=lambda: when).key().kid

    assert at(NEW_BEGINS - timedelta(days=1)) == old.kid
    assert at(NEW_BEGINS + timedelta(days=1)) == new.kid
    with pytest.raises(KeyFileError):
        EventSigner("police", [old], clock=lambda: OLD_ENDS).key()


@pytest.mark.parametrize(
    "token",
    [
        "not a jws",
        "e30..c2ln",  # {} as the header
        "e30.cGF5bG9hZA.c2ln",  # an attached payload
        "!!..!!",
    ],
)
def test_a_token_that_is_not_a_detached_eddsa_jws_is_signature_invalid(
    police: tuple[Keyring, EventSigner], token: str
) -> None:
    assert _fault(police[0], token) is SignatureFault.SIGNATURE_INVALID


def test_a_header_that_does_not_say_b64_false_is_refused(
    police: tuple[Keyring, EventSigner],
) -> None:
    keyring, signer = police
    token = sign(signer.key(), VALUE, ATTRIBUTES)
    header = json.loads(b64url_decode(token.split(".")[0]))
    header["b64"] = True
    forged = b64url(json.dumps(header).encode()).decode() + ".." + token.split("..")[1]

    problem = verify(keyring, "police", forged, VALUE, ATTRIBUTES, now_ms=millis(JAN_2029))

    assert problem is not None and problem.fault is SignatureFault.SIGNATURE_INVALID
    assert token.split("..")[1] not in problem.message  # messages never quote the token


def test_an_independent_jose_library_verifies_our_signatures_and_we_verify_its(
    police: tuple[Keyring, EventSigner],
) -> None:
    keyring, signer = police
    key = signer.key()
    theirs = OKPKey.import_key(key.to_jwk())
    registry = joserfc_jws.JWSRegistry(strict_check_header=False, algorithms=["EdDSA"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # joserfc notes RFC 9864's fully-specified names
        checked = joserfc_jws.deserialize_compact(
            sign(key, VALUE, ATTRIBUTES), theirs, registry=registry, payload=VALUE
        )
        header = {"alg": "EdDSA", "kid": key.kid, "b64": False, "crit": ["b64"]}
        header |= dict(zip(BOUND_ATTRIBUTES, ATTRIBUTES, strict=True))
        made = joserfc_jws.serialize_compact(header, VALUE, theirs, registry=registry)
    detached = joserfc_jws.detach_content(made)

    assert checked.protected["ce_id"] == ATTRIBUTES[0]
    assert _fault(keyring, detached) is None


def test_a_private_key_is_written_for_its_owner_only_and_never_into_the_key_set(
    tmp_path: Path,
) -> None:
    key = generate_key("courts")
    private = write_private_key(tmp_path / "private", key)
    published = publish_key(tmp_path / "jwks", key.public)

    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert private.name.endswith(".private.jwk")
    assert "d" not in json.loads(published.read_text())["keys"][0]
    assert [k.kid for k in read_jwks(published)] == [key.kid]
    assert [k.kid for k in read_private_keys(tmp_path / "private", "courts")] == [key.kid]


def test_a_second_key_is_appended_to_the_key_set_and_a_kid_only_once(tmp_path: Path) -> None:
    first, second = generate_key("koda"), generate_key("koda")
    publish_key(tmp_path, first.public)
    path = publish_key(tmp_path, second.public)

    assert [k.kid for k in read_jwks(path)] == [first.kid, second.kid]
    with pytest.raises(KeyFileError, match="already published"):
        publish_key(tmp_path, second.public)


def test_a_malformed_key_set_names_its_file(tmp_path: Path) -> None:
    (tmp_path / "police.jwks.json").write_text('{"keys": [{"kid": "k1", "kty": "RSA"}]}')

    with pytest.raises(KeyFileError, match=r"police\.jwks\.json.*Ed25519"):
        load_keyring(tmp_path)


def test_the_repositorys_key_sets_load_and_hold_no_private_part() -> None:
    keyring = load_keyring(REPOSITORY / "keys")
    documents = [orjson.loads(p.read_bytes()) for p in (REPOSITORY / "keys").glob("*.json")]

    assert set(keyring.orgs) == {"police", "courts", "koda", "hub"}
    assert all("d" not in jwk for document in documents for jwk in document["keys"])


def test_hub_keys_generate_writes_both_halves_and_keys_list_shows_them(tmp_path: Path) -> None:
    runner = CliRunner()
    made = runner.invoke(
        main,
        [
            "keys",
            "generate",
            "police",
            "--dir",
            str(tmp_path / "private"),
            "--jwks-dir",
            str(tmp_path / "jwks"),
            "--valid-until",
            "2031-01-01T00:00:00+00:00",
            "--json",
        ],
    )
    environment = {
        "HUB_JWKS_DIR": str(tmp_path / "jwks"),
        "HUB_SIGNING_KEYS_DIR": str(tmp_path / "private"),
    }
    listed = runner.invoke(main, ["keys", "list", "--json"], env=environment)

    assert made.exit_code == 0, made.output
    generated = json.loads(made.output)
    assert generated["validUntil"] == "2031-01-01T00:00:00Z"
    assert json.loads(listed.output)["keys"] == [
        {
            "org": "police",
            "kid": generated["kid"],
            "validFrom": generated["validFrom"],
            "validUntil": "2031-01-01T00:00:00Z",
            "privateKeyHere": True,
        }
    ]


def _record(item_headers: list[tuple[str, bytes]], value: bytes) -> IngressRecord:
    return IngressRecord("ingress.police", 0, 0, b"12345678", value, tuple(item_headers))


def test_the_hub_checks_the_signature_before_it_reads_the_value() -> None:
    pipeline = build_processor().pipeline  # the session's keys (tests/conftest.py)
    envelope = new_envelope("case.registered", 2, "urn:no:justice:police", "12345678")
    unsigned = _record(to_headers(envelope), b"{not json")

    outcome = pipeline.decide(unsigned, PartitionState(0), 0)

    assert isinstance(outcome, Rejected)
    assert outcome.rejection.reason == "SIGNATURE_MISSING"  # not DECODE_ERROR
    assert outcome.rejection.path == "ce_jws"


def test_the_hub_accepts_an_event_signed_by_its_source() -> None:
    pipeline = build_processor().pipeline
    item = signed(case_registered("12345678"))

    outcome = pipeline.decide(_record(item.headers, item.value), PartitionState(0), 0)

    assert isinstance(outcome, Accepted)


def _keys(runner: CliRunner, tmp_path: Path, *arguments: str) -> dict[str, Any]:
    dirs = ["--dir", str(tmp_path / "private"), "--jwks-dir", str(tmp_path / "jwks"), "--json"]
    result = runner.invoke(main, ["keys", *arguments, *dirs])
    assert result.exit_code == 0, result.output
    loaded: dict[str, Any] = json.loads(result.output)
    return loaded


def test_retiring_a_key_ends_it_in_its_key_set_and_beside_its_private_part(tmp_path: Path) -> None:
    runner = CliRunner()
    old = _keys(runner, tmp_path, "generate", "koda", "--valid-from", "2026-01-01T00:00:00+00:00")
    new = _keys(runner, tmp_path, "generate", "koda", "--valid-from", "2027-01-01T00:00:00+00:00")

    retired = _keys(runner, tmp_path, "retire", old["kid"], "--at", "2027-02-01T00:00:00+00:00")

    published = {k.kid: k for k in load_keyring(tmp_path / "jwks").keys_of("koda")}
    private = {k.kid: k for k in read_private_keys(tmp_path / "private", "koda")}
    assert retired["validUntil"] == "2027-02-01T00:00:00Z"
    assert published[old["kid"]].valid_until == datetime(2027, 2, 1, tzinfo=UTC)
    assert private[old["kid"]].public.valid_until == datetime(2027, 2, 1, tzinfo=UTC)
    assert published[new["kid"]].valid_until is None
    assert stat.S_IMODE(Path(old["privateKey"]).stat().st_mode) == 0o600


def test_a_retired_key_is_never_made_valid_again(tmp_path: Path) -> None:
    runner = CliRunner()
    key = _keys(runner, tmp_path, "generate", "courts", "--valid-from", "2026-01-01T00:00:00+00:00")
    _keys(runner, tmp_path, "retire", key["kid"], "--at", "2026-06-01T00:00:00+00:00")

    dirs = ["--jwks-dir", str(tmp_path / "jwks"), "--dir", str(tmp_path / "private"), "--json"]
    later = runner.invoke(
        main, ["keys", "retire", key["kid"], "--at", "2027-01-01T00:00:00+00:00", *dirs]
    )

    assert later.exit_code == 1
    assert "never pushed back" in json.loads(later.stdout)["error"]
