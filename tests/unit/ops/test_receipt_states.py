"""An event's answer per `hub receipts` and the console: the latest receipt says it."""

from __future__ import annotations

from hub.ops.receipts import delivery_states


def test_a_redriven_event_accepted_after_its_rejection_no_longer_shows_the_rejection() -> None:
    base = {"eventSource": "urn:no:justice:police", "eventId": "e1", "caseId": "12345678"}
    rejected = {
        **base,
        "status": "REJECTED",
        "reason": "SCHEMA_INVALID",
        "actionBy": "SENDER_TECHNICAL",
        "message": "the value at /chargeKind is not one of the codes",
    }
    accepted = {**base, "status": "ACCEPTED", "recipients": ["courts"]}
    [event] = delivery_states([rejected, accepted])
    assert event["status"] == "ACCEPTED"
    assert not {"reason", "actionBy", "message"} & set(event)
    assert event["recipients"] == {"courts": {"state": "AWAITING_CONFIRMATION"}}
