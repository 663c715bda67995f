"""Fuzz inputs for the hub's boundary: the catalogue's valid examples, spoiled, and noise.

An input is an ingress record as any connector could write it: key, value bytes
and headers. Mutations spoil what a sender controls (value bytes, JSON fields,
headers, key); the record is then signed by the organisation its `ce_source`
names, over the spoiled bytes, as `tests.kafka_io.send` signs. So the signature
step passes wherever the envelope still names a sender, and the fuzz reaches
the later steps (decode, ownership, schema, registry, routing, projection).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from hub.catalogue.catalogue import Catalogue, default_schemas_dir, load_catalogue
from hub.kafka.topology import AGENCIES, REDRIVE, ingress
from hub.pipeline.records import IngressRecord
from hub.signing.jws import BOUND_ATTRIBUTES
from tests.events import Event, event, signed

ENVELOPE_HEADERS = (
    "ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "ce_subject",
    "ce_dataschema", "content-type", "traceparent", "tracestate", "ce_jws",
)  # fmt: skip
FUZZ_CASE_IDS = ("31000001", "31000002", "31000003")  # synthetic police case numbers


@dataclass(frozen=True)
class FuzzRecord:
    """One input: what goes on `topic` (an ingress topic, or hub.redrive)."""

    topic: str
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes | None], ...]

    def as_ingress(self, partition: int, offset: int, timestamp_ms: int = 0) -> IngressRecord:
        return IngressRecord(
            self.topic, partition, offset, self.key, self.value, self.headers, timestamp_ms
        )


@cache
def catalogue() -> Catalogue:
    return load_catalogue(default_schemas_dir())


@cache
def seeds() -> tuple[FuzzRecord, ...]:
    """Every valid example of the catalogue as its producer would send it, moved to one of
    a few case ids (so later events meet registered cases), signed."""
    found = []
    for type_name, known in sorted(catalogue().types.items()):
        agency = next((p for p in known.producers if p in AGENCIES), AGENCIES[0])
        for version, schema in sorted(known.versions.items()):
            for number, example in enumerate(schema.valid_examples):
                if not isinstance(example.data, dict) or "caseId" not in example.data:
                    continue
                data = {**example.data, "caseId": FUZZ_CASE_IDS[number % len(FUZZ_CASE_IDS)]}
                found.append(_signed(_record(event(type_name, version, agency, data))))
    return tuple(found)


def _record(item: Event) -> FuzzRecord:
    return FuzzRecord(item.topic, item.key, item.value, tuple(item.headers))


def _signed(record: FuzzRecord) -> FuzzRecord:
    """`record` signed as its ce_source's organisation would sign it, when it can be: a
    record whose bound headers are not text, or have no value, goes unsigned (no sender
    could sign it either), and the hub must refuse it for that."""
    bound = [v for k, v in record.headers if k in BOUND_ATTRIBUTES]
    if any(v is None for v in bound):
        return record
    try:
        for value in bound:
            assert value is not None
            value.decode()
    except UnicodeDecodeError:
        return record
    item = Event(record.topic, record.key or b"", record.value or b"", [], "")
    headers: list[tuple[str, bytes]] = [(k, v) for k, v in record.headers if v is not None]
    with_none = [(k, v) for k, v in record.headers if v is None]
    spoiled = signed(replace(item, headers=headers))
    return replace(record, headers=(*spoiled.headers, *with_none))


# -- mutations ------------------------------------------------------------------------

_BAD_UTF8 = st.sampled_from([b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf0\x28\x8c\x28", b"\x80"])
_TEXT = st.text(max_size=40)


_DEEP = "\x00deep\x00"  # stands for a nested array until the JSON text is written


@dataclass(frozen=True)
class _Deep:
    """A value nested `depth` arrays deep; written as text (json.dumps recurses too)."""

    depth: int


def nested_json(depth: int) -> bytes:
    return b"[" * depth + b'"x"' + b"]" * depth


def _dumps(data: Any) -> bytes:
    deep: list[int] = []

    def placeholder(value: Any) -> Any:
        if isinstance(value, _Deep):
            deep.append(value.depth)
            return _DEEP
        raise TypeError(type(value).__name__)

    text = json.dumps(data, default=placeholder).encode()
    for depth in deep:
        text = text.replace(json.dumps(_DEEP).encode(), nested_json(depth), 1)
    return text


_WRONG_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    _TEXT,
    st.text(min_size=1, max_size=1).map(lambda c: c * 300_000),  # huge string: OVERSIZE
    st.text(min_size=1, max_size=1).map(lambda c: c * 20_000),  # big, within the limit
    st.integers(min_value=1, max_value=1100).map(_Deep),  # depth (orjson stops at 1024)
    st.lists(_TEXT, max_size=5),
    st.dictionaries(_TEXT, _TEXT, max_size=5),
)


@st.composite
def _json_mutation(draw: st.DrawFn, value: bytes) -> bytes:
    """One field somewhere in the JSON replaced by a wrong value, removed, or one added."""
    data = json.loads(value)
    node: Any = data
    while True:
        children = list(node.items()) if isinstance(node, dict) else list(enumerate(node))
        if not children:
            break
        key, child = draw(st.sampled_from(children))
        if not isinstance(child, dict | list) or draw(st.booleans()):
            action = draw(st.sampled_from(["replace", "remove", "add"]))
            if action == "replace":
                node[key] = draw(_WRONG_VALUES)
            elif action == "remove" and isinstance(node, dict):
                del node[key]
            elif isinstance(node, dict):
                node[draw(_TEXT)] = draw(_WRONG_VALUES)
            break
        node = child
    return _dumps(data)


@st.composite
def _byte_mutation(draw: st.DrawFn, value: bytes) -> bytes:
    spoiled = bytearray(value)
    kind = draw(st.sampled_from(["flip", "truncate", "insert", "bad-utf8", "double"]))
    if kind == "flip" and spoiled:
        for _ in range(draw(st.integers(1, 8))):
            at = draw(st.integers(0, len(spoiled) - 1))
            spoiled[at] ^= draw(st.integers(1, 255))
    elif kind == "truncate":
        del spoiled[draw(st.integers(0, len(spoiled))) :]
    elif kind == "insert":
        at = draw(st.integers(0, len(spoiled)))
        spoiled[at:at] = draw(st.binary(min_size=1, max_size=64))
    elif kind == "bad-utf8":
        quote = value.find(b'"', 1)  # inside the first string of the JSON
        at = quote if quote > 0 else 0
        spoiled[at:at] = draw(_BAD_UTF8)
    else:
        spoiled += value
    return bytes(spoiled)


@st.composite
def _header_mutation(
    draw: st.DrawFn, headers: tuple[tuple[str, bytes | None], ...]
) -> tuple[tuple[str, bytes | None], ...]:
    spoiled = list(headers)
    kind = draw(st.sampled_from(["drop", "duplicate", "value", "extension", "type", "source"]))
    at = draw(st.integers(0, max(0, len(spoiled) - 1)))
    if kind == "drop" and spoiled:
        del spoiled[at]
    elif kind == "duplicate" and spoiled:
        spoiled.insert(at, spoiled[at])
    elif kind == "value" and spoiled:
        spoiled[at] = (spoiled[at][0], draw(_header_value()))
    elif kind == "extension":
        name = draw(st.one_of(st.sampled_from(ENVELOPE_HEADERS), st.text(max_size=12)))
        spoiled.append(("ce_" + name if draw(st.booleans()) else name, draw(_header_value())))
    elif kind == "type":
        other = draw(st.sampled_from(sorted(catalogue().types)))
        version = draw(st.integers(0, 4))
        spoiled = [(k, v) for k, v in spoiled if k not in ("ce_type", "ce_dataschema")]
        spoiled += [
            ("ce_type", f"no.justice.{other}".encode()),
            ("ce_dataschema", f"urn:no:justice:schema:{other}:{version}".encode()),
        ]
    else:
        org = draw(st.sampled_from([*AGENCIES, "hub", "prosecutors"]))
        spoiled = [(k, v) for k, v in spoiled if k != "ce_source"]
        spoiled.append(("ce_source", f"urn:no:justice:{org}".encode()))
    return tuple(spoiled)


def _header_value() -> st.SearchStrategy[bytes | None]:
    return st.one_of(
        st.none(),
        st.binary(max_size=64),
        _TEXT.map(str.encode),
        _BAD_UTF8,
        st.just(b"x" * 100_000),
    )


@st.composite
def mutated_records(draw: st.DrawFn) -> FuzzRecord:
    """A valid example under a new event id, spoiled by one or two mutations, signed."""
    record = draw(st.sampled_from(seeds()))
    fresh_id = str(draw(st.uuids())).encode()
    record = replace(
        record, headers=tuple((k, fresh_id if k == "ce_id" else v) for k, v in record.headers)
    )
    for _ in range(draw(st.integers(1, 2))):
        kind = draw(st.sampled_from(["json", "json", "json", "bytes", "headers", "key", "topic"]))
        if kind == "json":
            try:
                json.loads(record.value or b"")
            except ValueError:
                continue  # already spoiled beyond JSON
            record = replace(record, value=draw(_json_mutation(record.value or b"")))
        elif kind == "bytes":
            record = replace(record, value=draw(_byte_mutation(record.value or b"")))
        elif kind == "headers":
            record = replace(record, headers=draw(_header_mutation(record.headers)))
        elif kind == "key":
            key = st.one_of(st.none(), st.binary(max_size=12), st.sampled_from(FUZZ_CASE_IDS))
            record = replace(record, key=draw(key.map(_as_key)))
        else:
            topics = [*(ingress(a) for a in AGENCIES), REDRIVE]
            record = replace(record, topic=draw(st.sampled_from(topics)))
    return _signed(record)


def _as_key(key: bytes | str | None) -> bytes | None:
    return key.encode() if isinstance(key, str) else key


@st.composite
def random_records(draw: st.DrawFn) -> FuzzRecord:
    """Noise: random bytes and random headers, some with envelope names."""
    name = st.one_of(st.sampled_from(ENVELOPE_HEADERS), st.text(max_size=12))
    headers = draw(st.lists(st.tuples(name, _header_value()), max_size=12))
    value = draw(st.one_of(st.none(), st.binary(max_size=2048)))
    key = draw(st.one_of(st.none(), st.binary(max_size=16)))
    topic = draw(st.sampled_from([*(ingress(a) for a in AGENCIES), REDRIVE]))
    return _signed(FuzzRecord(topic, key, value, tuple(headers)))


def fuzz_records() -> st.SearchStrategy[FuzzRecord]:
    """Three in four spoiled examples (they reach deep), one in four noise."""
    return st.one_of(mutated_records(), mutated_records(), mutated_records(), random_records())


def fuzz_settings(examples: int) -> settings:
    """Hypothesis settings for a fuzz run: `examples` inputs, no deadline, no example
    database (each run draws afresh; a failure prints the blob that reproduces it with
    `@reproduce_failure`), big inputs allowed."""
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
