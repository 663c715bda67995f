"""The CloudEvents envelope in Kafka binary mode: what goes on the wire, what is refused."""

from __future__ import annotations

import pickle
from dataclasses import FrozenInstanceError
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.envelope import EnvelopeError, from_headers, new_envelope, to_headers

TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
HEADERS: list[tuple[str, bytes | None]] = [
    ("ce_specversion", b"1.0"),
    ("ce_id", b"5b0c1f2e-8d0a-4c3e-9a51-0d3f6c1b2a77"),
    ("ce_source", b"urn:no:justice:courts"),
    ("ce_type", b"no.justice.judgment.final"),
    ("ce_time", b"2025-03-14T09:30:00.123+01:00"),
    ("ce_subject", b"20251234"),
    ("ce_dataschema", b"urn:no:justice:schema:judgment.final:2"),
    ("content-type", b"application/json"),
]


def with_header(name: str, value: bytes | None) -> list[tuple[str, bytes | None]]:
    """HEADERS with ``name`` set to ``value`` (replaced in place, or appended)."""
    if any(n == name for n, _ in HEADERS):
        return [(n, value if n == name else v) for n, v in HEADERS]
    return [*HEADERS, (name, value)]


def without_header(name: str) -> list[tuple[str, bytes | None]]:
    return [(n, v) for n, v in HEADERS if n != name]


def refusal(headers: list[tuple[str, bytes | None]] | None) -> EnvelopeError:
    with pytest.raises(EnvelopeError) as caught:
        from_headers(headers)
    return caught.value


# --- what goes on the wire -------------------------------------------------


def test_new_envelope_goes_on_the_wire_as_ce_headers_and_content_type() -> None:
    envelope = new_envelope(
        "judgment.final",
        2,
        "urn:no:justice:courts",
        "20251234",
        event_id="evt-1",
        time=datetime(2025, 3, 14, 9, 30, tzinfo=timezone(timedelta(hours=1))),
        traceparent=TRACEPARENT,
        tracestate="congo=t61rcWkgMzE",
        extensions={"jws": "eyJhbGciOiJFZERTQSJ9..c2ln"},
    )
    assert to_headers(envelope) == [
        ("ce_specversion", b"1.0"),
        ("ce_id", b"evt-1"),
        ("ce_source", b"urn:no:justice:courts"),
        ("ce_type", b"no.justice.judgment.final"),
        ("ce_time", b"2025-03-14T09:30:00+01:00"),
        ("ce_subject", b"20251234"),
        ("ce_dataschema", b"urn:no:justice:schema:judgment.final:2"),
        ("content-type", b"application/json"),
        ("ce_jws", b"eyJhbGciOiJFZERTQSJ9..c2ln"),
        ("traceparent", TRACEPARENT.encode()),
        ("tracestate", b"congo=t61rcWkgMzE"),
    ]


def test_headers_read_back_into_the_same_envelope() -> None:
    envelope = new_envelope(
        "victim.notification-requested",
        1,
        "urn:no:justice:police",
        "20250001",
        traceparent=TRACEPARENT,
        extensions={"jws": "sig"},
    )
    assert from_headers(to_headers(envelope)) == envelope


def test_envelope_keeps_the_exact_time_text_and_parses_it_on_request() -> None:
    envelope = from_headers(HEADERS)
    assert envelope.time == "2025-03-14T09:30:00.123+01:00"
    assert envelope.occurred_at == datetime(2025, 3, 14, 8, 30, 0, 123000, tzinfo=UTC)
    assert envelope.occurred_at.utcoffset() == timedelta(hours=1)


def test_envelope_names_its_event_type_schema_version_and_source_organisation() -> None:
    envelope = from_headers(HEADERS)
    assert envelope.event_type == "judgment.final"
    assert envelope.schema_version == 2
    assert envelope.source_org == "courts"


def test_new_envelope_defaults_to_a_uuid4_id_and_the_time_now_in_utc() -> None:
    before = datetime.now(UTC)
    envelope = new_envelope("hub.receipt", 1, "urn:no:justice:hub", "20251234")
    assert len(envelope.id) == 36
    assert envelope.id[14] == "4"
    assert before <= envelope.occurred_at <= datetime.now(UTC)
    assert envelope.occurred_at.utcoffset() == timedelta(0)
    assert new_envelope("hub.receipt", 1, "urn:no:justice:hub", "20251234").id != envelope.id


def test_headers_the_envelope_does_not_own_are_left_alone() -> None:
    headers = [("baggage", b"\xff\xfe"), *HEADERS, ("correlation_id", None), ("baggage", b"x")]
    assert from_headers(headers) == from_headers(HEADERS)


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/json; charset=utf-8", "Application/JSON;charset=UTF-8"],
)
def test_json_content_type_is_accepted_with_or_without_utf8_charset(content_type: str) -> None:
    envelope = from_headers(with_header("content-type", content_type.encode()))
    assert envelope.datacontenttype == content_type


@pytest.mark.parametrize(
    "time", ["2025-03-14T09:30:00Z", "2025-03-14t09:30:00.123456789z", "2024-02-29T23:59:59-00:30"]
)
def test_rfc3339_times_with_an_offset_are_accepted(time: str) -> None:
    assert from_headers(with_header("ce_time", time.encode())).occurred_at.tzinfo is not None


def test_unknown_ce_attribute_with_a_valid_name_is_kept_as_an_extension() -> None:
    envelope = from_headers(with_header("ce_partitionkey", b"20251234"))
    assert dict(envelope.extensions) == {"partitionkey": "20251234"}


def test_envelope_is_immutable_and_hashable() -> None:
    mine = {"jws": "sig"}
    envelope = new_envelope(
        "judgment.final", 2, "urn:no:justice:courts", "20251234", extensions=mine
    )
    mine["jws"] = "changed"
    assert envelope.extensions["jws"] == "sig"
    with pytest.raises(TypeError):
        envelope.extensions["jws"] = "forged"  # type: ignore[index]
    with pytest.raises(FrozenInstanceError):
        envelope.id = "other"  # type: ignore[misc]
    assert hash(envelope) == hash(from_headers(to_headers(envelope)))


# --- what is refused -------------------------------------------------------


@pytest.mark.parametrize("name", [name for name, _ in HEADERS])
def test_missing_attribute_names_the_attribute(name: str) -> None:
    error = refusal(without_header(name))
    assert (error.attribute, error.problem) == (name, "missing")
    assert str(error) == f"{name}: missing"


def test_record_without_headers_is_refused_for_its_first_attribute() -> None:
    assert str(refusal([])) == str(refusal(None)) == "ce_specversion: missing"


def test_envelope_error_is_a_value_error_that_survives_pickling() -> None:
    error = EnvelopeError("ce_id", "missing")
    assert isinstance(error, ValueError)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.attribute, copy.problem, str(copy)) == ("ce_id", "missing", "ce_id: missing")


@pytest.mark.parametrize("name", ["ce_id", "content-type", "traceparent", "ce_jws"])
def test_duplicate_header_is_refused(name: str) -> None:
    error = refusal([*with_header(name, b"a"), (name, b"a")])
    assert (error.attribute, error.problem) == (name, "duplicate header")


def test_header_without_a_value_is_refused() -> None:
    error = refusal(with_header("ce_source", None))
    assert (error.attribute, error.problem) == ("ce_source", "has no value")


def test_header_value_that_is_not_utf8_is_refused() -> None:
    error = refusal(with_header("ce_subject", b"2025\xff234"))
    assert str(error) == "ce_subject: is not valid UTF-8"


@pytest.mark.parametrize("name", ["ce_Jws", "ce_partition_key", "ce_", "ce_signatur\u00e9"])
def test_ce_attribute_with_an_invalid_name_is_refused(name: str) -> None:
    error = refusal(with_header(name, b"x"))
    assert error.attribute == name
    assert "a-z and 0-9" in error.problem


@pytest.mark.parametrize("name", ["ce_datacontenttype", "ce_data"])
def test_attributes_that_binary_mode_carries_elsewhere_are_refused_as_ce_headers(
    name: str,
) -> None:
    assert "binary mode carries" in refusal(with_header(name, b"x")).problem


def test_specversion_other_than_1_0_is_refused() -> None:
    error = refusal(with_header("ce_specversion", b"0.3"))
    assert str(error) == "ce_specversion: specversion must be 1.0, got '0.3'"


@pytest.mark.parametrize("value", [b"", b"two words", b"x" * 129, b"caf\xc3\xa9"])
def test_malformed_id_is_refused_without_echoing_it(value: bytes) -> None:
    error = refusal(with_header("ce_id", value))
    assert str(error) == "ce_id: must be 1 to 128 printable ASCII, no spaces"


@pytest.mark.parametrize("value", [b"urn:no:politi", b"urn:no:justice:", b"urn:no:justice:Courts"])
def test_source_outside_the_justice_urn_namespace_is_refused(value: bytes) -> None:
    assert refusal(with_header("ce_source", value)).attribute == "ce_source"


@pytest.mark.parametrize(
    "value", [b"judgment.final", b"no.justice.judgment", b"no.justice.Judgment.final", b""]
)
def test_type_outside_no_justice_aggregate_event_is_refused(value: bytes) -> None:
    error = refusal(with_header("ce_type", value))
    assert error.attribute == "ce_type"
    assert "no.justice.<aggregate>.<event>" in error.problem


def test_subject_that_is_not_a_case_number_is_refused_without_echoing_it() -> None:
    national_id = b"01017012345"  # a mistaken fodselsnummer must not reach the DLQ message
    error = refusal(with_header("ce_subject", national_id))
    assert str(error) == "ce_subject: must be the 8-digit police case number"


@pytest.mark.parametrize(
    "value",
    [b"2025-03-14T09:30:00", b"2025-03-14 09:30:00Z", b"14.03.2025", b"2025-13-01T00:00:00Z"],
)
def test_time_without_rfc3339_form_and_offset_is_refused(value: bytes) -> None:
    error = refusal(with_header("ce_time", value))
    assert str(error) == f"ce_time: time is not RFC 3339 with an offset: {value.decode()!r}"


@pytest.mark.parametrize("value", [b"2025-02-29T12:00:00Z", b"2025-04-31T12:00:00+02:00"])
def test_time_on_a_day_the_calendar_lacks_is_refused(value: bytes) -> None:
    assert "not a calendar date" in refusal(with_header("ce_time", value)).problem


@pytest.mark.parametrize(
    "value",
    [
        b"urn:no:justice:schema:judgment.final",
        b"urn:no:justice:schema:judgment.final:0",
        b"urn:no:justice:schema:judgment.final:v2",
        b"https://schemas.example/judgment.final/2",
    ],
)
def test_malformed_dataschema_is_refused(value: bytes) -> None:
    error = refusal(with_header("ce_dataschema", value))
    assert error.attribute == "ce_dataschema"
    assert "<type>:<major>" in error.problem


def test_dataschema_for_another_type_is_refused() -> None:
    error = refusal(with_header("ce_dataschema", b"urn:no:justice:schema:judgment.rendered:1"))
    assert error.attribute == "ce_dataschema"
    assert error.problem == (
        "'no.justice.judgment.final' does not match dataschema type 'judgment.rendered'"
    )


@pytest.mark.parametrize(
    "value", [b"text/plain", b"application/json; charset=latin-1", b"application/xml"]
)
def test_content_type_other_than_json_is_refused(value: bytes) -> None:
    error = refusal(with_header("content-type", value))
    assert str(error) == f"content-type: must be application/json, got {value.decode()!r}"


def test_structured_mode_is_refused_with_a_hint_to_use_binary_mode() -> None:
    error = refusal(with_header("content-type", b"application/cloudevents+json; charset=UTF-8"))
    assert error.attribute == "content-type"
    assert "structured mode is not accepted" in error.problem


def test_extension_value_with_control_characters_is_refused_without_echoing_it() -> None:
    error = refusal(with_header("ce_note", "Kari Nordmann\nTromsø".encode()))
    assert str(error) == "ce_note: contains control characters"


def test_first_problem_in_header_order_is_raised_before_missing_attributes() -> None:
    headers = [("ce_Bad", b"x"), *without_header("ce_id"), ("ce_source", b"again")]
    assert refusal(headers).attribute == "ce_Bad"
    assert refusal(without_header("ce_id")[:1]).attribute == "ce_id"


@pytest.mark.parametrize(
    "traceparent",
    [
        b"00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-01",
        b"00-00000000000000000000000000000000-b7ad6b7169203331-01",
        b"garbage",
    ],
)
def test_malformed_traceparent_is_dropped_with_its_tracestate(traceparent: bytes) -> None:
    envelope = from_headers([*HEADERS, ("traceparent", traceparent), ("tracestate", b"a=b")])
    assert (envelope.traceparent, envelope.tracestate) == (None, None)


def test_malformed_tracestate_is_dropped_alone() -> None:
    headers = [*HEADERS, ("traceparent", TRACEPARENT.encode()), ("tracestate", b"a=\x01")]
    envelope = from_headers(headers)
    assert (envelope.traceparent, envelope.tracestate) == (TRACEPARENT, None)


# --- new_envelope refuses what from_headers would --------------------------


def test_new_envelope_refuses_a_naive_time() -> None:
    with pytest.raises(EnvelopeError, match="timezone-aware"):
        new_envelope("judgment.final", 2, "urn:no:justice:courts", "20251234", time=datetime.now())


def test_new_envelope_wants_the_event_type_without_its_namespace() -> None:
    with pytest.raises(EnvelopeError) as caught:
        new_envelope("no.justice.judgment.final", 2, "urn:no:justice:courts", "20251234")
    assert caught.value.attribute == "ce_type"


@pytest.mark.parametrize("name", ["id", "data", "Jws", "partition_key"])
def test_new_envelope_refuses_extensions_that_cannot_travel_as_ce_headers(name: str) -> None:
    with pytest.raises(EnvelopeError) as caught:
        new_envelope(
            "judgment.final", 2, "urn:no:justice:courts", "20251234", extensions={name: "x"}
        )
    assert caught.value.attribute == f"ce_{name}"


def test_new_envelope_refuses_a_subject_that_is_not_a_case_number() -> None:
    with pytest.raises(EnvelopeError, match="ce_subject"):
        new_envelope("judgment.final", 2, "urn:no:justice:courts", "01017012345")


# --- any envelope new_envelope builds survives the wire ---------------------

WORD = st.from_regex(r"[a-z][a-z0-9]{0,8}(-[a-z0-9]{1,8}){0,2}", fullmatch=True)
OFFSETS = st.integers(-(23 * 60 + 59), 23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
EXTENSION_NAMES = st.from_regex(r"[a-z0-9]{1,20}", fullmatch=True).filter(
    lambda name: (
        f"ce_{name}" not in {header for header, _ in HEADERS} | {"ce_data"}
        and name != "datacontenttype"
    )
)
EXTENSION_VALUES = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=80)


@given(
    event_type=st.lists(WORD, min_size=2, max_size=3).map(".".join),
    version=st.integers(1, 999),
    org=WORD,
    subject=st.from_regex(r"[0-9]{8}", fullmatch=True),
    event_id=st.none() | st.from_regex(r"[\x21-\x7e]{1,128}", fullmatch=True),
    time=st.none() | st.datetimes(datetime(1000, 1, 2), datetime(2999, 12, 30), timezones=OFFSETS),
    trace_id=st.none() | st.from_regex(r"[0-9a-f]{31}[1-9a-f]", fullmatch=True),
    extensions=st.dictionaries(EXTENSION_NAMES, EXTENSION_VALUES, max_size=3),
)
def test_any_envelope_new_envelope_builds_round_trips_through_headers(
    *,
    event_type: str,
    version: int,
    org: str,
    subject: str,
    event_id: str | None,
    time: datetime | None,
    trace_id: str | None,
    extensions: dict[str, str],
) -> None:
    traceparent = None if trace_id is None else f"00-{trace_id}-b7ad6b7169203331-01"
    envelope = new_envelope(
        event_type,
        version,
        f"urn:no:justice:{org}",
        subject,
        event_id=event_id,
        time=time,
        traceparent=traceparent,
        extensions=extensions,
    )
    read_back = from_headers(to_headers(envelope))
    assert read_back == envelope
    assert read_back.traceparent == traceparent
    assert (read_back.event_type, read_back.schema_version) == (event_type, version)
    assert read_back.source_org == org
    if time is not None:
        assert read_back.occurred_at == time
