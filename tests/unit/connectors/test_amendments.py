"""Connectors act on retractions, and keep the hub's receipts to see what is undelivered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from click.testing import CliRunner
from faststream.kafka import TestKafkaBroker

from connectors.common.clock import SimulatedClock
from connectors.common.planned import PlannedEvent
from connectors.common.store import EventStore
from connectors.koda.app import koda_connector
from connectors.koda.store import KodaStore
from connectors.police.app import police_connector
from connectors.police.store import PoliceStore
from hub.cli import main
from hub.settings import KafkaSettings
from tests.unit.connectors.paper import PaperHub, hub_headers

CASE = "40000003"
COURTS = "urn:no:justice:courts"
KODA = "urn:no:justice:koda"
JUDGMENT_EVENT = "9a1c7e52-3f0b-4d8e-8f61-0c2d5b7a4e90"
RETRACTION_EVENT = "4c1e8b0a-5d2f-4a7e-9b3c-1e6f2a8d7c50"


def _retraction(original_id: str) -> dict[str, Any]:
    return {
        "caseId": CASE,
        "retractsEventId": original_id,
        "reason": "SET_ASIDE_ON_APPEAL",
        "retractedAt": "2026-03-01T10:00:00+01:00",
    }


async def _deliver(broker: Any, topic: str, items: list[tuple[str, int, str, str, dict]]) -> None:
    for type_name, version, source, event_id, data in items:
        value = orjson.dumps(data)
        headers = hub_headers(type_name, version, CASE, source, event_id, value=value)
        await broker.publish(value, topic, key=CASE.encode(), headers=headers)


async def test_koda_stops_the_execution_of_a_retracted_judgment(
    nowhere: KafkaSettings, clock: SimulatedClock, hub_on_paper: PaperHub
) -> None:
    store = KodaStore()
    koda = koda_connector(nowhere, store, clock)
    final = {
        **hub_on_paper.example("judgment.final", 2, "domestic-abuse-with-contact-ban-enriched"),
        "caseId": CASE,
    }

    async with TestKafkaBroker(koda.broker) as broker:
        await _deliver(
            broker, "egress.koda", [("judgment.final", 2, COURTS, JUDGMENT_EVENT, final)]
        )
        planned = len(store.outbox("admission.completed"))
        retraction = _retraction(JUDGMENT_EVENT)
        await _deliver(
            broker,
            "egress.koda",
            [
                (
                    "judgment.final.retracted",
                    1,
                    COURTS,
                    "4c1e8b0a-5d2f-4a7e-9b3c-1e6f2a8d7c50",
                    retraction,
                )
            ],
        )

    assert planned == 1
    assert store.executions() == []
    steps = [e for e in store.outbox() if e.event.type_name != "delivery.confirmed"]
    assert steps == []  # nothing planned from the judgment is left to publish
    assert [r.status for r in store.received()] == ["PROCESSED", "PROCESSED"]


async def test_koda_has_nothing_to_undo_for_a_judgment_it_never_received(
    nowhere: KafkaSettings, clock: SimulatedClock
) -> None:
    store = KodaStore()
    koda = koda_connector(nowhere, store, clock)

    async with TestKafkaBroker(koda.broker) as broker:
        retraction = _retraction(JUDGMENT_EVENT)
        await _deliver(
            broker,
            "egress.koda",
            [
                (
                    "judgment.final.retracted",
                    1,
                    COURTS,
                    "4c1e8b0a-5d2f-4a7e-9b3c-1e6f2a8d7c50",
                    retraction,
                )
            ],
        )

    [received] = store.received()
    assert received.status == "PROCESSED"
    assert store.executions() == []


async def test_police_withdraw_the_pending_notices_of_a_retracted_leave(
    nowhere: KafkaSettings, clock: SimulatedClock, hub_on_paper: PaperHub
) -> None:
    store = PoliceStore()
    police = police_connector(nowhere, store, clock)
    leave_id = "0b7d3c2a-6e4f-4b1a-8c9d-2f5e7a1b3c40"
    alert = {
        **hub_on_paper.example("victim.alert", 1, "leave-granted-to-lawyer"),
        "caseId": CASE,
    }
    alert["trigger"] = {**alert["trigger"], "eventId": leave_id}

    async with TestKafkaBroker(police.broker) as broker:
        await _deliver(
            broker,
            "egress.police",
            [
                ("victim.alert", 1, "urn:no:justice:hub", alert["alertId"], alert),
                (
                    "leave.granted.retracted",
                    1,
                    KODA,
                    "6d2e9f1b-7a3c-4e5d-9b8a-3c1f0e2d4b60",
                    _retraction(leave_id),
                ),
            ],
        )

    assert store.withdrawn_alert_ids() == {alert["alertId"]}


def _receipt(event_id: str, status: str, **fields: Any) -> dict[str, Any]:
    return {
        "receiptId": f"{event_id}-{status}-{fields.get('recipient', '')}",
        "eventId": event_id,
        "status": status,
        "issuedAt": datetime.now(UTC).isoformat(),
        **fields,
    }


def test_an_agency_sees_which_of_its_events_have_not_reached_everyone() -> None:
    store = EventStore()
    sent = {name: f"{name}-id" for name in ("delivered", "awaiting", "rejected", "unanswered")}
    store.schedule(
        PlannedEvent("judgment.final", 2, {"caseId": CASE}, datetime.now(UTC), event_id)
        for event_id in sent.values()
    )
    store.mark_published(list(sent.values()))
    for name in ("delivered", "awaiting"):
        store.record_receipt(_receipt(sent[name], "ACCEPTED", recipients=["koda", "police"]))
    for recipient in ("koda", "police"):
        store.record_receipt(_receipt(sent["delivered"], "DELIVERED", recipient=recipient))
    store.record_receipt(_receipt(sent["awaiting"], "DELIVERED", recipient="police"))
    store.record_receipt(
        _receipt(sent["rejected"], "REJECTED", reason="SCHEMA_INVALID", actionBy="SENDER_TECHNICAL")
    )

    later = datetime.now(UTC) + timedelta(seconds=1)
    found = {u.event_id: u for u in store.undelivered(published_before=later)}

    assert sent["delivered"] not in found
    assert (found[sent["awaiting"]].state, found[sent["awaiting"]].awaiting) == (
        "AWAITING",
        ("koda",),
    )
    assert (found[sent["rejected"]].state, found[sent["rejected"]].action_by) == (
        "REJECTED",
        "SENDER_TECHNICAL",
    )
    assert found[sent["unanswered"]].state == "NO_RECEIPT"
    assert store.undelivered(published_before=datetime.now(UTC) - timedelta(hours=1)) == []


def test_hub_connector_undelivered_lists_them_for_people_and_machines(tmp_path: Path) -> None:
    path = tmp_path / "koda.db"
    store = EventStore(path)
    store.schedule([PlannedEvent("leave.granted", 1, {"caseId": CASE}, datetime.now(UTC), "l-1")])
    store.mark_published(["l-1"])
    store.record_receipt(_receipt("l-1", "ACCEPTED", recipients=["police"]))
    store.close()
    runner = CliRunner()

    as_json = runner.invoke(
        main,
        ["connector", "undelivered", "koda", "--store", str(path), "--older-than", "0", "--json"],
    )
    for_people = runner.invoke(
        main, ["connector", "undelivered", "koda", "--store", str(path), "--older-than", "0"]
    )
    too_soon = runner.invoke(
        main, ["connector", "undelivered", "koda", "--store", str(path), "--json"]
    )

    assert as_json.exit_code == 0, as_json.output
    [event] = orjson.loads(as_json.output)["events"]
    assert (event["event_id"], event["state"], event["awaiting"]) == ("l-1", "AWAITING", ["police"])
    assert "AWAITING" in for_people.output and "police" in for_people.output
    assert orjson.loads(too_soon.output)["events"] == []
