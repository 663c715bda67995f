"""The hub's decisions on paper: what it accepts and what each agency then receives.

Unit specs of the connectors feed one agency's events to the next without a
broker: the hub's own validators check what an agency publishes, and its
routes project (and enrich) what the next one gets, exactly as on the wire.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from connectors.common.planned import PlannedEvent
from hub.app import build_processor
from hub.demo.scenario import examples_of
from hub.envelope import new_envelope, to_headers
from hub.pipeline.decide import Pipeline, enriched
from hub.pipeline.project import project_for_recipient
from hub.pipeline.registry import CaseFacts
from hub.settings import SigningSettings
from hub.signing import JWS_HEADER, load_signer


class PaperHub:
    def __init__(self) -> None:
        self.pipeline: Pipeline = build_processor().pipeline
        self.example = examples_of(self.pipeline.catalogue)  # (type, version, name) -> data

    def problems(self, events: Iterable[PlannedEvent]) -> list[str]:
        """Why the hub would reject each event that it would reject (none, one hopes)."""
        found = []
        for event in events:
            violation = self.pipeline.validators.violation(
                event.type_name, event.version, dict(event.data)
            )
            if violation is not None:
                found.append(f"{event.type_name}: {violation.path} {violation.message}")
        return found

    def deliver(
        self,
        type_name: str,
        data: Mapping[str, Any],
        agency: str,
        registration: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """What `agency` receives of an accepted (canonical) event, enriched from `registration`."""
        route = self.pipeline.routes.route_for(type_name)
        recipient = next(r for r in route.recipients if r.agency == agency)
        facts = None
        if registration is not None:
            facts = CaseFacts(registration["caseId"], registration["suspect"])
        return project_for_recipient(
            enriched(dict(data), recipient.enrich, facts), recipient.projection
        )


def hub_headers(
    type_name: str,
    version: int,
    case_id: str,
    source: str = "urn:no:justice:hub",
    event_id: str | None = None,
    *,
    value: bytes,
) -> dict[str, str]:
    """CloudEvents headers as the hub puts them on an egress record of `value`, signed by the
    hub (the test session's key), as a connector verifies them."""
    envelope = new_envelope(type_name, version, source, case_id, event_id=event_id)
    signer = load_signer(SigningSettings.from_env().private_dir, "hub")
    headers = {name: raw.decode() for name, raw in to_headers(envelope)}
    return {**headers, JWS_HEADER: signer.sign_envelope(envelope, value)}
