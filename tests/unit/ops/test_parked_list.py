"""The parked list: PARK records not decided since, with what they wait for."""

from __future__ import annotations

from typing import Any

from hub.ops.parked import parked_entry, pending_receipt_of, still_parked


def audit(action: str, ingress: str | None, at_ms: int = 1000, **fields: Any) -> dict[str, Any]:
    return {"action": action, "ingress": ingress, "time_ms": at_ms, **fields}


def test_a_park_without_a_final_outcome_is_still_parked() -> None:
    audits = [
        audit("PARK", "ingress.courts/0/1"),
        audit("PARK", "ingress.courts/0/2"),
        audit("ACCEPT", "ingress.courts/0/2"),
        audit("PARK", "ingress.courts/0/3"),
        audit("REJECT", "ingress.courts/0/3"),
        audit("ACCEPT", "ingress.courts/0/4"),
        audit("ALERT_ESCALATED", None),
    ]

    assert [a["ingress"] for a in still_parked(audits)] == ["ingress.courts/0/1"]


def test_an_entry_names_what_is_awaited_and_until_when_from_the_pending_receipt() -> None:
    park = audit(
        "PARK",
        "ingress.courts/4/12",
        at_ms=1_700_000_000_000,
        caseId="case-1",
        eventId="ev-1",
        source="urn:no:justice:courts",
        type="no.justice.judgment.final",
        receipts=[{"status": "PENDING", "topic": "egress.courts", "partition": 4, "offset": 9}],
    )
    receipt = {
        "status": "PENDING",
        "missingReference": {"field": "/caseId", "awaitedType": "no.justice.case.registered"},
        "parkedUntil": "2023-11-14T22:13:50.000+00:00",
    }

    entry = parked_entry(park, receipt, now_ms=1_700_000_012_500)

    assert pending_receipt_of(park) == ("egress.courts", 4, 9)
    assert entry == {
        "caseId": "case-1",
        "eventId": "ev-1",
        "type": "judgment.final",
        "agency": "courts",
        "missingReference": receipt["missingReference"],
        "parkedSinceMs": 1_700_000_000_000,
        "parkedUntilMs": 1_700_000_030_000,
        "ageSeconds": 12,
        "ingress": "ingress.courts/4/12",
    }


def test_without_a_receipt_what_is_awaited_is_unknown() -> None:
    park = audit("PARK", "ingress.koda/0/1", receipts=[])

    entry = parked_entry(park, None, now_ms=5000)

    assert pending_receipt_of(park) is None
    assert (entry["missingReference"], entry["parkedUntilMs"], entry["ageSeconds"]) == (
        None,
        None,
        4,
    )
