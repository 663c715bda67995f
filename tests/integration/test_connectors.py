"""The three reference connectors on the real broker, with the hub running between them."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import orjson
import pytest

from connectors.chain import Chain, ChainOptions
from connectors.common.actions import Action, Verb
from connectors.common.clock import SimulatedClock
from connectors.common.connector import ConnectorOptions
from connectors.koda.app import koda_connector
from connectors.koda.store import KodaStore
from connectors.police.handlers import Stage
from hub.app import build_processor
from hub.envelope import new_envelope, to_headers
from hub.kafka.io import publish
from hub.kafka.service import HubService
from hub.kafka.topology import egress
from hub.pipeline.records import OutgoingRecord
from hub.settings import KafkaSettings
from tests.events import example, new_case_id, signer_of

pytestmark = pytest.mark.integration

# Chosen so that five cases show every path: prison with leaves, an escape, parole
# and end of sentence, a sentence served outside prison, victims who asked.
SEED = 2032
DAYS_PER_SECOND = 200.0


async def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Return once `condition()` holds; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout:.0f} s: {what}")
        await asyncio.sleep(0.05)


async def test_police_courts_and_koda_take_five_cases_to_their_end_and_alert_victims_who_asked(
    hub: HubService, topics: KafkaSettings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="connectors")
    routes = build_processor().pipeline.routes
    options = ChainOptions(
        seed=SEED, days_per_second=DAYS_PER_SECOND, stores=tmp_path, escape_rate=0.5
    )
    async with Chain(topics, options) as chain:
        case_ids = chain.register_cases(5)
        await wait_until(lambda: chain.ended(case_ids), 120, "every case at its end state")
        due = chain.alerts_due(routes)
        await wait_until(lambda: due <= set(chain.alerts_given()), 30, "every alert due")
        given = chain.alerts_given()
        judgments = chain.courts.store.judgments()
        admitted = {e.case_id for e in chain.koda.store.published("admission.completed")}
        released = {e.case_id for e in chain.koda.store.published("release.completed")}
        escapes = chain.koda.store.published("escape.reported")
        progress = chain.progress()
        registrations = [r.event.data for r in chain.police.store.outbox("case.registered")]
        failures = [
            r for c in chain.connectors for r in c.store.received() if r.status != "PROCESSED"
        ]

    prison = {j.case_id for j in judgments if j.outcome == "UNCONDITIONAL_PRISON"}
    assert {j.case_id for j in judgments} == set(case_ids)
    assert prison and prison != set(case_ids), "the seed should give prison and other outcomes"
    assert admitted == released == prison
    assert {c for c in case_ids if progress[c].stage is Stage.RELEASED} == prison
    assert escapes, "the seed should give an escape"
    assert due, "the seed should give victims who asked to be told"
    assert Counter(given) == Counter(due)  # one alert per victim who asked, per event; no other
    assert failures == []
    logged = caplog.text
    assert "victim alert" in logged
    for personal in _personal_data(registrations):
        assert personal not in logged


def _personal_data(registrations: list[Mapping[str, Any]]) -> set[str]:
    """Identity numbers, full names, phone numbers and e-mail addresses of everyone registered."""
    people = [r["suspect"] for r in registrations]
    people += [v["person"] for r in registrations for v in r["victims"]]
    found = {p["nationalIdentityNumber"] for p in people}
    found |= {f"{p['name']['givenName']} {p['name']['familyName']}" for p in people}
    contacts = [v["contact"] for r in registrations for v in r["victims"]]
    return found | {c["phone"] for c in contacts} | {c["email"] for c in contacts}


class _StoreFailingOnce(KodaStore):
    """KODA's store, whose disk fails the first time an event is recorded."""

    failures = 1

    def record_received(self, *args: object, **kwargs: object) -> None:
        if self.failures:
            self.failures -= 1
            raise sqlite3.OperationalError("disk I/O error")
        super().record_received(*args, **kwargs)  # type: ignore[arg-type]


def _judgment_final_record(case_id: str, event_id: str | None = None) -> OutgoingRecord:
    data = example("judgment.final", 2, "domestic-abuse-with-contact-ban-enriched", case_id)
    envelope = new_envelope(
        "judgment.final", 2, "urn:no:justice:courts", case_id, event_id=event_id
    )
    value = orjson.dumps(data)
    headers = signer_of("hub").sign_headers(to_headers(envelope), value)  # as the hub sends it
    return OutgoingRecord(egress("koda"), case_id.encode(), value, tuple(headers))


async def test_koda_reads_an_event_again_after_its_store_failed_and_acts_on_a_redelivery_once(
    topics: KafkaSettings,
) -> None:
    store = _StoreFailingOnce()
    clock = SimulatedClock(DAYS_PER_SECOND)
    actions: list[Action] = []
    options = ConnectorOptions(
        group_id=f"koda-store-failure-{new_case_id()}",
        start_from="latest",
        on_action=actions.append,
    )
    koda = koda_connector(topics, store, clock, options=options)
    await koda.start()
    try:
        await koda.ready()
        case_id = new_case_id()
        first = _judgment_final_record(case_id)
        await asyncio.to_thread(publish, topics, [first])
        await wait_until(lambda: store.executions() != [], 30, "the judgment processed")
        assert store.failures == 0  # it failed once, was read again, and then processed
        # The hub delivers it again, as after a restart before the offset was committed.
        event_id = dict(first.headers)["ce_id"].decode()
        again = _judgment_final_record(case_id, event_id)
        await asyncio.to_thread(publish, topics, [again])
        await wait_until(
            lambda: Verb.DUPLICATE in {a.verb for a in actions}, 30, "the redelivery seen"
        )
    finally:
        await koda.stop()

    assert [r.event_id for r in store.received()] == [event_id]
    assert len(store.executions()) == 1
    assert len(store.outbox("admission.completed")) == 1
