"""No synthetic identity number or name of a demo run appears in its logs, spans or audit log."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hub.kafka.io import read_topic
from hub.settings import KafkaSettings
from tests.brokers import SessionBroker
from tests.e2e.conftest import run_hub

pytestmark = pytest.mark.e2e
CASES, SEED = 6, 4242


def _people(kafka: KafkaSettings, keys: set[bytes]) -> set[str]:
    """Every identity number and full name police registered in the run's cases."""
    personal: set[str] = set()
    for record in read_topic(kafka, "ingress.police", keys=keys):
        data = json.loads(record.value or b"{}")
        if record.header("ce_type") != b"no.justice.case.registered":
            continue
        for person in [data["suspect"], *(v["person"] for v in data.get("victims", []))]:
            personal.add(person["nationalIdentityNumber"])
            personal.add(f"{person['name']['givenName']} {person['name']['familyName']}")
    return personal


def test_a_demo_runs_logs_spans_and_audit_records_hold_no_personal_data(
    kafka_broker: SessionBroker, tmp_path: Path
) -> None:
    traces = tmp_path / "spans.jsonl"
    env = {"HUB_KAFKA_BOOTSTRAP": kafka_broker.bootstrap, "HUB_TRACES_FILE": str(traces)}

    result = run_hub("demo", "--cases", str(CASES), "--seed", str(SEED), "--json", env=env)

    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads(result.stdout)
    keys = {t["caseId"].encode() for t in summary["timelines"]}
    audit = b"\n".join(
        r.value or b""
        for r in read_topic(KafkaSettings(kafka_broker.bootstrap), "hub.audit", keys=keys)
    )
    spans = traces.read_text()
    assert spans.count('"name": "process ingress.') >= summary["events_published"]
    assert summary["all_as_expected"] is True
    written = {
        "stdout": result.stdout,
        "stderr": result.stderr,
        "spans": spans,
        "audit": audit.decode(),
    }
    personal = _people(KafkaSettings(kafka_broker.bootstrap), keys)
    assert len(personal) >= 2 * CASES
    leaks = [
        (where, value) for value in personal for where, text in written.items() if value in text
    ]
    assert leaks == []
