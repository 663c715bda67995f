"""Victim alerts follow the victim.alert route like any other event."""

from __future__ import annotations

from pathlib import Path

from hub.app import build_processor
from hub.pipeline.outcomes import Accepted
from hub.pipeline.records import IngressRecord
from hub.pipeline.state import PartitionState
from tests.conftest import REPOSITORY
from tests.events import case_registered, koda_event, notification_requested, signed


def _escape_alert(routes: Path) -> Accepted:
    pipeline = build_processor(routes_path=routes).pipeline
    state = PartitionState(0)
    events = [
        case_registered("12345678"),
        notification_requested("12345678", "V001", ["ESCAPE"]),
        koda_event("escape.reported", "closed-prison-high-risk", "12345678"),
    ]
    for offset, item in enumerate(events):
        item = signed(item)  # noqa: PLW2901 (as the agency sends it)
        record = IngressRecord(item.topic, 0, offset, item.key, item.value, tuple(item.headers))
        outcome = pipeline.decide(record, state, 0)
    assert isinstance(outcome, Accepted)
    return outcome


def test_police_get_the_victims_contact_in_an_alert_because_the_route_lists_it() -> None:
    [alert] = _escape_alert(REPOSITORY / "routes" / "routes.yaml").alerts

    [delivery] = alert.deliveries
    assert delivery.agency == "police"
    assert delivery.data["contact"] == {"phone": "+4791234567"}


def test_an_alert_carries_only_the_fields_its_route_lists(tmp_path: Path) -> None:
    text = (REPOSITORY / "routes" / "routes.yaml").read_text()
    unlisted = text.replace(
        "        confidential_fields:\n          - contact\n          - representative\n", ""
    )
    assert unlisted != text, "the routes file changed shape; update this test"
    (tmp_path / "routes.yaml").write_text(unlisted)

    [alert] = _escape_alert(tmp_path / "routes.yaml").alerts

    [delivery] = alert.deliveries
    assert "contact" not in delivery.data
    assert delivery.data["kind"] == "ESCAPE"
