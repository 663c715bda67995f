"""No personal data of a demo run where it must not be: logs, spans, audit log, alert states,
and (for victims' contact details and addresses) what courts and KODA receive."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest

from hub.kafka.io import ConsumedRecord, read_topic
from hub.settings import KafkaSettings
from tests.brokers import SessionBroker
from tests.e2e.conftest import run_hub

pytestmark = pytest.mark.e2e
CASES, SEED = 6, 4242
REGISTERED = b"no.justice.case.registered"
REQUESTED = b"no.justice.victim.notification-requested"


def _police_sent(kafka: KafkaSettings, keys: set[bytes], type_name: bytes) -> list[dict[str, Any]]:
    return [
        json.loads(r.value or b"{}")
        for r in read_topic(kafka, "ingress.police", keys=keys)
        if r.header("ce_type") == type_name
    ]


def _names(person: Mapping[str, Any]) -> set[str]:
    """A person's name as a log line writes it, and as a JSON record holds it."""
    name = person["name"]
    as_json = json.dumps(name, separators=(",", ":"), ensure_ascii=False)
    return {f"{name['givenName']} {name['familyName']}", as_json}


def _person(person: Mapping[str, Any]) -> set[str]:
    """A person's identity number, full name and street address."""
    return {
        person["nationalIdentityNumber"],
        *_names(person),
        *person["address"]["addressLines"],
    }


def _contact(contact: Mapping[str, str]) -> set[str]:
    return {value for key, value in contact.items() if key in ("phone", "email")}


def _victims(registrations: list[dict[str, Any]], requests: list[dict[str, Any]]) -> set[str]:
    """Every victim's identity number, name, address and contact details, and those of the
    representatives they named, as police registered them."""
    found: set[str] = set()
    for case in registrations:
        for victim in case["victims"]:
            found |= _person(victim["person"]) | _contact(victim["contact"])
    for request in requests:
        found |= _contact(request["contact"])
        if (representative := request.get("representative")) is not None:
            found |= _names(representative) | _contact(representative["contact"])
    return found


def _suspects(registrations: list[dict[str, Any]]) -> set[str]:
    return set().union(*(_person(case["suspect"]) for case in registrations))


def _appears(value: str, text: str) -> bool:
    """`value` as a whole in `text` ("Tollbugata 1" is not in "Tollbugata 12")."""
    return re.search(rf"(?<![\w+.@]){re.escape(value)}(?![\w.@])", text) is not None


def _text(records: Iterable[ConsumedRecord]) -> str:
    return "\n".join((r.value or b"").decode() for r in records)


def _alert_states(kafka: KafkaSettings, case_ids: set[str]) -> list[ConsumedRecord]:
    """hub.alerts records (keyed by alert id) of the run's cases."""
    return [
        r
        for r in read_topic(kafka, "hub.alerts")
        if r.value and json.loads(r.value)["caseId"] in case_ids
    ]


def test_a_demo_run_leaks_no_personal_data_and_no_victims_contact_details_to_courts_or_koda(
    kafka_broker: SessionBroker, tmp_path: Path
) -> None:
    traces = tmp_path / "spans.jsonl"
    env = {"HUB_KAFKA_BOOTSTRAP": kafka_broker.bootstrap, "HUB_TRACES_FILE": str(traces)}

    result = run_hub("demo", "--cases", str(CASES), "--seed", str(SEED), "--json", env=env)

    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads(result.stdout)
    assert summary["all_as_expected"] is True
    kafka = KafkaSettings(kafka_broker.bootstrap)
    case_ids = {t["caseId"] for t in summary["timelines"]}
    keys = {case_id.encode() for case_id in case_ids}
    alert_states = _alert_states(kafka, case_ids)
    spans = traces.read_text()
    assert spans.count('"name": "process ingress.') >= summary["events_published"]
    assert len(alert_states) >= summary["victim_alerts"] > 0
    registrations = _police_sent(kafka, keys, REGISTERED)
    requests = _police_sent(kafka, keys, REQUESTED)
    victims = _victims(registrations, requests)
    suspects = _suspects(registrations)
    assert len(victims) >= 2 * CASES
    assert len(suspects) >= 2 * CASES
    # Nobody's data in what operations and auditors read.
    written = {
        "stdout": result.stdout,
        "stderr": result.stderr,
        "spans": spans,
        "audit": _text(read_topic(kafka, "hub.audit", keys=keys)),
        "hub.alerts": _text(alert_states),
    }
    leaks = [
        (where, value)
        for value in victims | suspects
        for where, text in written.items()
        if _appears(value, text)
    ]
    # Victims' contact details and addresses never reach courts or KODA. A suspect's own
    # name and address reach them by the routes; a victim who happens to share one (the
    # synthetic lists are short) cannot be told apart there.
    names = set().union(*(_names(v["person"]) for case in registrations for v in case["victims"]))
    private = victims - names - suspects
    assert any(value.startswith("+47") for value in private)  # phone numbers among them
    delivered = {
        topic: list(read_topic(kafka, topic, keys=keys))
        for topic in ("egress.courts", "egress.koda")
    }
    assert delivered["egress.courts"] and delivered["egress.koda"] and requests
    leaks += [
        (topic, value)
        for topic, records in delivered.items()
        for value in private
        if _appears(value, _text(records))
    ]
    # Courts are told who the victims are (case.registered), never how to reach them: the
    # scan finds names where the routes put them, and nowhere else.
    named_in = {
        (r.topic, (r.header("ce_type") or b"").decode())
        for records in delivered.values()
        for r in records
        if any(_appears(name, (r.value or b"").decode()) for name in names - suspects)
    }

    assert leaks == []
    assert named_in == {("egress.courts", "no.justice.case.registered")}
