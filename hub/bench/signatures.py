"""The cost of signatures per event: signing as a connector does, verifying as the hub does.

The run's own keys (a temporary directory, like the demo's) sign every event
before any timed phase, as connectors sign before they send; the hub verifies
each one on its path and signs each egress record. Measured here alone on the
run's mix: the sign and verify time per event, and verify on two threads
(PyNaCl releases the GIL while libsodium works) to show what a pool could win.
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from hub.kafka.topology import AGENCIES
from hub.pipeline.records import OutgoingRecord
from hub.signing import (
    HUB_ORG,
    EventSigner,
    Keyring,
    key_sets_for_a_run,
    load_keyring,
    load_signer,
    verify,
)
from hub.signing.jws import BOUND_ATTRIBUTES, JWS_HEADER


@dataclass(frozen=True, slots=True)
class BenchKeys:
    """Every organisation's key for one run: the agencies sign, the hub verifies and signs."""

    keyring: Keyring
    agencies: Mapping[str, EventSigner]
    hub: EventSigner


@contextlib.contextmanager
def bench_keys() -> Iterator[BenchKeys]:
    """Keys made for this run in a temporary directory, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="hub-bench-keys-") as root:
        signing = key_sets_for_a_run(Path(root))
        yield BenchKeys(
            load_keyring(signing.jwks_dir),
            {org: load_signer(signing.private_dir, org) for org in AGENCIES},
            load_signer(signing.private_dir, HUB_ORG),
        )


def _signed_parts(record: OutgoingRecord) -> tuple[str, bytes, list[str], str]:
    headers = {name: (raw or b"").decode() for name, raw in record.headers}
    org = headers["ce_source"].rpartition(":")[2]
    return headers[JWS_HEADER], record.value or b"", [headers[n] for n in BOUND_ATTRIBUTES], org


def _mean_us(work: Callable[[], int], min_seconds: float) -> float:
    done, spent = 0, 0
    while spent < min_seconds * 1e9:
        started = time.perf_counter_ns()
        done += work()
        spent += time.perf_counter_ns() - started
    return round(spent / done / 1000, 2)


def signature_us(
    keys: BenchKeys, records: Sequence[OutgoingRecord], min_seconds: float = 0.5
) -> dict[str, float]:
    """Mean µs per event of signing, verifying, and verifying on two threads, over `records`
    (signed ingress records of the mix)."""
    parts = [_signed_parts(record) for record in records]
    now_ms = time.time_ns() // 1_000_000

    def verify_all(chunk: Sequence[tuple[str, bytes, list[str], str]]) -> int:
        for token, value, attributes, org in chunk:
            if verify(keys.keyring, org, token, value, attributes, now_ms=now_ms) is not None:
                raise RuntimeError("a benchmark event does not verify")
        return len(chunk)

    def sign_all() -> int:
        for record, (_, value, _, org) in zip(records, parts, strict=True):
            keys.agencies[org].sign_headers(record.headers, value)  # headers in, ce_jws replaced
        return len(parts)

    half = len(parts) // 2
    with ThreadPoolExecutor(2) as pool:

        def verify_on_two_threads() -> int:
            return sum(pool.map(verify_all, (parts[:half], parts[half:])))

        return {
            "sign_us": _mean_us(sign_all, min_seconds),
            "verify_us": _mean_us(lambda: verify_all(parts), min_seconds),
            "verify_two_threads_us": _mean_us(verify_on_two_threads, min_seconds),
        }
