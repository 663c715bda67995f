"""The CloudEvents 1.0 envelope of every hub event, in Kafka binary content mode.

The record value is the JSON event data alone; the event's attributes travel as
headers (CloudEvents Kafka protocol binding, section 3.2): ``ce_<attribute>`` for
every context attribute and extension, ``content-type`` for ``datacontenttype``,
and W3C ``traceparent`` / ``tracestate`` for tracing. This module turns those
headers into an :class:`Envelope` and back. When it refuses an envelope it says
which attribute is wrong and why; the hub rejects such an event as
ENVELOPE_INVALID.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType

SPECVERSION = "1.0"
DATACONTENTTYPE = "application/json"
TYPE_PREFIX = "no.justice."
SCHEMA_PREFIX = "urn:no:justice:schema:"

KafkaHeaders = Iterable[tuple[str, bytes | None]]
"""Headers as aiokafka and confluent-kafka give them: (name, value) pairs."""

# Compiled once: from_headers runs for every event the hub reads.
_WORD = r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*"
_EVENT_TYPE = rf"{_WORD}(?:\.{_WORD})+"
_TYPE = re.compile(rf"no\.justice\.{_EVENT_TYPE}")
_DATASCHEMA = re.compile(rf"urn:no:justice:schema:{_EVENT_TYPE}:[1-9][0-9]{{0,5}}")
_SOURCE = re.compile(rf"urn:no:justice:{_WORD}")
_SPECVERSION = re.compile(re.escape(SPECVERSION))
_SUBJECT = re.compile(r"[0-9]{8}")
_ID = re.compile(r"[\x21-\x7e]{1,128}")
_TIME = re.compile(
    r"[12][0-9]{3}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
    r"[Tt](?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,9})?"
    r"(?:[Zz]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
)
_CONTENT_TYPE = re.compile(
    r'application/json(?:[ \t]*;[ \t]*charset=(?:utf-8|"utf-8"))?', re.IGNORECASE
)
_TRACEPARENT = re.compile(r"00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}")
_TRACESTATE = re.compile(r"[\x20-\x7e]{1,512}")
_EXTENSION_NAME = re.compile(r"[a-z0-9]+")
_CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f-\x9f]")

# (header, Envelope field) in the order to_headers writes them.
_ATTRIBUTE_HEADERS = (
    ("ce_specversion", "specversion"),
    ("ce_id", "id"),
    ("ce_source", "source"),
    ("ce_type", "type"),
    ("ce_time", "time"),
    ("ce_subject", "subject"),
    ("ce_dataschema", "dataschema"),
    ("content-type", "datacontenttype"),
)
_ENVELOPE_HEADERS = frozenset([h for h, _ in _ATTRIBUTE_HEADERS] + ["traceparent", "tracestate"])
# Attributes that binary mode carries elsewhere, so a ce_ header for them is an error.
_NOT_EXTENSIONS: Mapping[str, str] = MappingProxyType(
    {
        "ce_datacontenttype": "binary mode carries datacontenttype in the content-type header",
        "ce_data": "binary mode carries data in the record value",
    }
)
_NO_EXTENSIONS: Mapping[str, str] = MappingProxyType({})


class EnvelopeError(ValueError):
    """An envelope attribute is missing or malformed; the hub's ENVELOPE_INVALID.

    ``attribute`` is the header name (``ce_dataschema``); ``problem`` a sentence
    for the connector team. Neither ever holds an extension's value.
    """

    def __init__(self, attribute: str, problem: str) -> None:
        super().__init__(attribute, problem)
        self.attribute = attribute
        self.problem = problem

    def __str__(self) -> str:
        return f"{self.attribute}: {self.problem}"


@dataclass(frozen=True, slots=True)
class Envelope:
    """The CloudEvents attributes of one hub event, as they travel in headers.

    Build one with :func:`new_envelope` (producers) or :func:`from_headers`
    (consumers), which check every attribute; the constructor itself checks
    nothing. ``time`` keeps the exact header text; :attr:`occurred_at` parses
    it when someone needs the instant.
    """

    id: str
    source: str
    type: str
    time: str
    subject: str
    dataschema: str
    datacontenttype: str = DATACONTENTTYPE
    specversion: str = SPECVERSION
    traceparent: str | None = None
    tracestate: str | None = None
    extensions: Mapping[str, str] = field(default_factory=lambda: _NO_EXTENSIONS, hash=False)

    def __post_init__(self) -> None:
        if self.extensions is not _NO_EXTENSIONS:  # copy: the caller's dict stays theirs
            object.__setattr__(self, "extensions", MappingProxyType(dict(self.extensions)))

    @property
    def event_type(self) -> str:
        """The type without its namespace: ``judgment.final``."""
        return self.type.removeprefix(TYPE_PREFIX)

    @property
    def schema_version(self) -> int:
        """The major schema version named by ``dataschema``."""
        return int(self.dataschema.rpartition(":")[2])

    @property
    def source_org(self) -> str:
        """The producing organisation, the last segment of ``source``: ``courts``."""
        return self.source.rpartition(":")[2]

    @property
    def occurred_at(self) -> datetime:
        """``time`` as a timezone-aware datetime (fractions beyond microseconds cut)."""
        return datetime.fromisoformat(self.time.upper())


def new_envelope(
    event_type: str,
    version: int,
    source: str,
    subject: str,
    *,
    event_id: str | None = None,
    time: datetime | None = None,
    traceparent: str | None = None,
    tracestate: str | None = None,
    extensions: Mapping[str, str] | None = None,
) -> Envelope:
    """The envelope for a new event of ``event_type`` (``judgment.final``), schema
    major ``version``, from ``source`` about case ``subject``.

    The id defaults to a fresh UUID4, the time to now in UTC. Raises
    :class:`EnvelopeError` for anything :func:`from_headers` would refuse.
    """
    if event_type.startswith(TYPE_PREFIX):
        raise EnvelopeError("ce_type", f"give the event type without {TYPE_PREFIX!r}")
    when = datetime.now(UTC) if time is None else time
    if when.utcoffset() is None:
        raise EnvelopeError("ce_time", "time must be timezone-aware")
    found = {
        "ce_specversion": SPECVERSION,
        "ce_id": str(uuid.uuid4()) if event_id is None else event_id,
        "ce_source": source,
        "ce_type": TYPE_PREFIX + event_type,
        "ce_time": when.isoformat(),
        "ce_subject": subject,
        "ce_dataschema": f"{SCHEMA_PREFIX}{event_type}:{version}",
        "content-type": DATACONTENTTYPE,
    }
    if traceparent is not None:
        found["traceparent"] = traceparent
    if tracestate is not None:
        found["tracestate"] = tracestate
    own_extensions = dict(extensions or {})
    for name in own_extensions:
        _check_extension_name("ce_" + name)
    return _checked(found, own_extensions)


def to_headers(envelope: Envelope) -> list[tuple[str, bytes]]:
    """The Kafka headers that carry ``envelope``, values UTF-8 encoded."""
    headers = [(header, getattr(envelope, name).encode()) for header, name in _ATTRIBUTE_HEADERS]
    headers.extend(("ce_" + name, value.encode()) for name, value in envelope.extensions.items())
    if envelope.traceparent is not None:
        headers.append(("traceparent", envelope.traceparent.encode()))
    if envelope.tracestate is not None:
        headers.append(("tracestate", envelope.tracestate.encode()))
    return headers


def from_headers(headers: KafkaHeaders | None) -> Envelope:
    """The envelope carried by a record's headers; headers it does not own are ignored.

    ``None`` (confluent-kafka's "no headers") reads as no headers at all.

    Raises :class:`EnvelopeError` for the first problem found: per header in
    header order (duplicate, no value, not UTF-8, bad extension name), then per
    attribute. A malformed ``traceparent`` is dropped with its ``tracestate``
    rather than refused: W3C Trace Context has the receiver start a new trace.
    """
    found: dict[str, str] = {}
    extensions: dict[str, str] = {}
    for name, raw in headers or ():
        if name in _ENVELOPE_HEADERS:
            target, key = found, name
        elif name.startswith("ce_"):
            _check_extension_name(name)
            target, key = extensions, name[3:]
        else:
            continue
        if key in target:
            raise EnvelopeError(name, "duplicate header")
        if raw is None:
            raise EnvelopeError(name, "has no value")
        try:
            target[key] = raw.decode()
        except UnicodeDecodeError:
            raise EnvelopeError(name, "is not valid UTF-8") from None
    return _checked(found, extensions)


def _checked(found: Mapping[str, str], extensions: dict[str, str]) -> Envelope:
    _matching(found, "ce_specversion", _SPECVERSION, "specversion must be 1.0, got {}")
    # Values of ce_id and ce_subject are never echoed: a mistaken one may be a
    # national identity number.
    event_id = _matching(found, "ce_id", _ID, "must be 1 to 128 printable ASCII, no spaces")
    source = _matching(found, "ce_source", _SOURCE, "must be urn:no:justice:<org>, got {}")
    type_ = _matching(found, "ce_type", _TYPE, "must be no.justice.<aggregate>.<event>, got {}")
    time = _matching(found, "ce_time", _TIME, "time is not RFC 3339 with an offset: {}")
    if time[8:10] > "28":  # the pattern allows 31 February; only a calendar knows
        try:
            datetime.fromisoformat(time.upper())
        except ValueError:
            raise EnvelopeError("ce_time", f"time is not a calendar date: {_shown(time)}") from None
    subject = _matching(found, "ce_subject", _SUBJECT, "must be the 8-digit police case number")
    dataschema = _matching(
        found, "ce_dataschema", _DATASCHEMA, f"must be {SCHEMA_PREFIX}<type>:<major>, got {{}}"
    )
    schema_type = dataschema[len(SCHEMA_PREFIX) :].rpartition(":")[0]
    if schema_type != type_.removeprefix(TYPE_PREFIX):
        problem = f"{type_!r} does not match dataschema type {schema_type!r}"
        raise EnvelopeError("ce_dataschema", problem)
    if found.get("content-type", "").lower().startswith("application/cloudevents"):
        problem = (
            "structured mode is not accepted: data goes in the value, attributes in ce_ headers"
        )
        raise EnvelopeError("content-type", problem)
    content_type = _matching(
        found, "content-type", _CONTENT_TYPE, "must be application/json, got {}"
    )
    for name, value in extensions.items():
        if _CONTROL_CHARACTER.search(value):
            raise EnvelopeError("ce_" + name, "contains control characters")
    traceparent, tracestate = found.get("traceparent"), found.get("tracestate")
    if traceparent is None or not _TRACEPARENT.fullmatch(traceparent):
        traceparent = tracestate = None
    elif tracestate is not None and not _TRACESTATE.fullmatch(tracestate):
        tracestate = None
    return Envelope(
        id=event_id,
        source=source,
        type=type_,
        time=time,
        subject=subject,
        dataschema=dataschema,
        datacontenttype=content_type,
        traceparent=traceparent,
        tracestate=tracestate,
        extensions=extensions or _NO_EXTENSIONS,
    )


def _matching(found: Mapping[str, str], name: str, pattern: re.Pattern[str], problem: str) -> str:
    value = found.get(name)
    if value is None:
        raise EnvelopeError(name, "missing")
    if pattern.fullmatch(value) is None:
        raise EnvelopeError(name, problem.format(_shown(value)))
    return value


def _check_extension_name(header: str) -> None:
    if header in _ENVELOPE_HEADERS or header in _NOT_EXTENSIONS:
        raise EnvelopeError(header, _NOT_EXTENSIONS.get(header, "is not an extension attribute"))
    if _EXTENSION_NAME.fullmatch(header, 3) is None:
        raise EnvelopeError(
            header[:40], "is not a CloudEvents attribute: names after ce_ are a-z and 0-9 only"
        )


def _shown(value: str) -> str:
    """A header value quoted for an error message, cut short."""
    return repr(value if len(value) <= 60 else value[:60] + "…")
