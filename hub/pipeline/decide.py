"""The per-event path: every step of DESIGN.md section 6 in order, as one function.

`Pipeline.decide` looks at one ingress record and the state of its partition
and returns what should happen (an `Outcome`); it changes only the in-memory
state it was handed. The Kafka edge turns outcomes into records and commits
them with the consumer offsets in one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from hub.catalogue.catalogue import Catalogue
from hub.catalogue.upcast import to_canonical
from hub.catalogue.upcasters import UpcastError
from hub.catalogue.validation import (
    SchemaValidators,
    UnknownEventTypeError,
    UnsupportedVersionError,
)
from hub.envelope import Envelope, EnvelopeError, from_headers
from hub.pipeline.alert_desk import AlertDesk
from hub.pipeline.alert_policy import AlertPolicy
from hub.pipeline.alert_states import TrackedAlert
from hub.pipeline.alerts import VICTIM_ALERT
from hub.pipeline.amendments import (
    Amendment,
    AmendmentType,
    amendment_deliveries,
    amendment_problem,
    amendment_type,
)
from hub.pipeline.decode import DEFAULT_MAX_EVENT_BYTES, decode_value
from hub.pipeline.deliveries import DeliveredEvent, RecipientCopy, copies_of
from hub.pipeline.operator import is_operator_action, operator_action
from hub.pipeline.outcomes import (
    Accepted,
    Confirmation,
    Delivery,
    Duplicate,
    MissingReference,
    Outcome,
    Parked,
    Rejected,
    Rejection,
    VictimAlert,
)
from hub.pipeline.ownership import ownership_problem
from hub.pipeline.project import project_for_recipient
from hub.pipeline.reasons import RejectReason
from hub.pipeline.records import IngressRecord
from hub.pipeline.registry import (
    CASE_REGISTERED,
    NOTIFICATION_REQUESTED,
    NOTIFICATION_WITHDRAWN,
    CaseFacts,
    enriched,
)
from hub.pipeline.route import Route, Routes
from hub.pipeline.signature import signature_problem
from hub.pipeline.state import PartitionState
from hub.signing import Keyring

DEFAULT_PARK_TIMEOUT_MS = 30_000


@dataclass(frozen=True, slots=True)
class PipelineLimits:
    max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES
    park_timeout_ms: int = DEFAULT_PARK_TIMEOUT_MS


class Pipeline:
    """The hub's decisions for one event; configuration only, state is passed in."""

    def __init__(
        self,
        catalogue: Catalogue,
        validators: SchemaValidators,
        routes: Routes,
        limits: PipelineLimits = PipelineLimits(),
        *,
        keyring: Keyring,
        alerts: AlertPolicy | None = None,
    ) -> None:
        self.catalogue = catalogue
        self.keyring = keyring  # every organisation's published keys, parsed once
        self.validators = validators
        self.routes = routes
        self.limits = limits
        self._route_copies: dict[str, tuple[RecipientCopy, ...]] = {}
        alert_copies = self._copies(routes.route_for(VICTIM_ALERT))
        self.alerts = AlertDesk(routes, alerts or AlertPolicy(), alert_copies)

    def decide(self, record: IngressRecord, state: PartitionState, now_ms: int) -> Outcome:
        if (unread := self._without_envelope(record)) is not None:
            return unread
        try:
            envelope = from_headers(record.headers)
        except EnvelopeError as error:
            return Rejected(Rejection(RejectReason.ENVELOPE_INVALID, str(error), error.attribute))
        if (problem := self._sender_problem(record, envelope, now_ms)) is not None:
            return Rejected(problem, envelope, envelope.subject)
        data = decode_value(record.value, self.limits.max_event_bytes)
        if isinstance(data, Rejection):
            return Rejected(data, envelope, envelope.subject)
        if state.is_duplicate(envelope):
            return Duplicate(envelope)
        return self._checked(record, envelope, data, state, now_ms)

    def _without_envelope(self, record: IngressRecord) -> Outcome | None:
        """Decided before reading an envelope: too big, or an operator's action on a dead
        letter (audited only; a malformed one is rejected, with no receipt)."""
        if record.size > self.limits.max_event_bytes:
            size = f"{record.size} bytes; the limit is {self.limits.max_event_bytes}"
            return Rejected(Rejection(RejectReason.OVERSIZE, f"key, headers and value are {size}"))
        if is_operator_action(record):
            acted = operator_action(record)
            return Rejected(acted) if isinstance(acted, Rejection) else acted
        return None

    def _sender_problem(
        self, record: IngressRecord, envelope: Envelope, now_ms: int
    ) -> Rejection | None:
        """The key must be the case id and the sender's signature must hold over the bytes."""
        if record.key != envelope.subject.encode():
            message = "the record key must be the case id (ce_subject)"
            return Rejection(RejectReason.ENVELOPE_INVALID, message)
        return signature_problem(
            self.keyring, envelope, record.value, now_ms, redriven=record.is_redrive
        )

    def envelope_of(self, record: IngressRecord) -> Envelope | None:
        """The envelope of a record already accepted once (a parked one), if readable."""
        try:
            return from_headers(record.headers)
        except EnvelopeError:
            return None

    def _reject(
        self, envelope: Envelope, reason: RejectReason, message: str, path: str | None = None
    ) -> Rejected:
        return Rejected(Rejection(reason, message, path), envelope, envelope.subject)

    def _checked(
        self,
        record: IngressRecord,
        envelope: Envelope,
        data: dict[str, Any],
        state: PartitionState,
        now_ms: int,
    ) -> Outcome:
        rejection = self._admission_problem(record.origin_topic, envelope, data)
        if rejection is not None:
            return Rejected(rejection, envelope, envelope.subject)
        try:
            canonical, data = to_canonical(
                self.catalogue, envelope.event_type, envelope.schema_version, data
            )
        except UpcastError as error:
            return self._reject(envelope, RejectReason.SCHEMA_INVALID, str(error))
        envelope = replace_version(envelope, canonical)
        return self._registered(envelope, data, state, now_ms, record.timestamp_ms)

    def _admission_problem(
        self, topic: str, envelope: Envelope, data: dict[str, Any]
    ) -> Rejection | None:
        """Type known, source entitled, version supported, data valid: or why not."""
        event_type, version = envelope.event_type, envelope.schema_version
        known = self.catalogue.types.get(event_type)
        if known is None:
            message = f"no event type {event_type} in the catalogue"
            return Rejection(RejectReason.UNKNOWN_TYPE, message)
        if problem := ownership_problem(topic, envelope, known.producers):
            return Rejection(RejectReason.UNAUTHORIZED_SOURCE, problem)
        try:
            violation = self.validators.violation(event_type, version, data)
        except (UnknownEventTypeError, UnsupportedVersionError):
            versions = ", ".join(f"v{v}" for v in sorted(known.versions))
            message = f"{event_type} v{version} is not supported (supported: {versions})"
            return Rejection(RejectReason.UNSUPPORTED_VERSION, message)
        if violation is not None:
            message = f"{event_type} v{version}: {violation.message}"
            return Rejection(RejectReason.SCHEMA_INVALID, message, violation.path)
        if data["caseId"] != envelope.subject:
            message = "ce_subject must equal the data's caseId"
            return Rejection(RejectReason.ENVELOPE_INVALID, message, "/caseId")
        return None

    def _registered(
        self,
        envelope: Envelope,
        data: dict[str, Any],
        state: PartitionState,
        now_ms: int,
        ingress_ms: int,
    ) -> Outcome:
        facts = state.registry.get(envelope.subject)
        missing = missing_reference(envelope.event_type, data, facts)
        if missing is not None:
            if facts is None:
                return Parked(envelope, missing, now_ms + self.limits.park_timeout_ms)
            return self._reject(envelope, RejectReason.REFERENCE_NOT_FOUND, missing.message)
        if (amending := amendment_type(envelope.event_type)) is not None:
            return self._amended(amending, envelope, data, state, now_ms, ingress_ms=ingress_ms)
        effects = self._effects(envelope, data, state, now_ms)
        if isinstance(effects, Rejection):
            return Rejected(effects, envelope, envelope.subject)
        confirmation, alert_changes = effects
        changed = state.registry.apply(envelope.event_type, data)
        facts = changed or facts
        route = self.routes.route_for(envelope.event_type)
        deliveries = tuple(
            Delivery(
                recipient.agency,
                project_for_recipient(
                    enriched(data, recipient.enrich, facts), recipient.projection
                ),
            )
            for recipient in route.recipients
        )
        alerts = self.alerts.raised(envelope, data, facts, now_ms, ingress_ms)
        delivered = self._delivered(envelope, self._copies(route), alerts)
        return Accepted(
            envelope,
            envelope.schema_version,
            deliveries,
            delivered,
            alerts,
            changed,
            confirmation,
            alert_changes=alert_changes,
        )

    def _effects(
        self, envelope: Envelope, data: dict[str, Any], state: PartitionState, now_ms: int
    ) -> tuple[Confirmation | None, tuple[TrackedAlert, ...]] | Rejection:
        """What a confirmation, an acknowledgement or a withdrawn consent changes besides the
        registry, checked against what the hub holds."""
        match envelope.event_type:
            case "delivery.confirmed":
                confirmed = confirmation_of(envelope, data, state)
                return confirmed if isinstance(confirmed, Rejection) else (confirmed, ())
            case "victim.alert.acknowledged":
                acknowledged = self.alerts.acknowledged(data, state, now_ms)
                if isinstance(acknowledged, Rejection):
                    return acknowledged
                return None, () if acknowledged is None else (acknowledged,)
            case "victim.notification-withdrawn":
                return None, self.alerts.withdrawn(
                    envelope.subject, data["victimId"], state, now_ms
                )
        return None, ()

    def _amended(
        self,
        kind: AmendmentType,
        envelope: Envelope,
        data: dict[str, Any],
        state: PartitionState,
        now_ms: int,
        *,
        ingress_ms: int,
    ) -> Outcome:
        """A retraction or correction: to the original's recipients, and the registry updated."""
        original = state.delivered.get(data[kind.amendment.reference_field])
        problem = amendment_problem(kind, envelope, original) or self._payload_problem(kind, data)
        if problem is not None:
            return Rejected(problem, envelope, envelope.subject)
        assert original is not None  # amendment_problem refuses a missing original
        changed, forgets_case = None, False
        if kind.amendment is Amendment.CORRECTED:
            changed = state.registry.apply(kind.amends, data["data"])
        elif kind.amends == CASE_REGISTERED:
            forgets_case = state.registry.forget(envelope.subject) is not None
        facts = state.registry.get(envelope.subject)
        deliveries = amendment_deliveries(kind, data, original, facts, state.copies)
        withdrawn = original.as_retracted() if kind.amendment is Amendment.RETRACTED else None
        now_true = data["data"] if kind.amendment is Amendment.CORRECTED else data
        alerts = self.alerts.corrections(
            envelope, now_true, facts, original.alerts, now_ms=now_ms, ingress_ms=ingress_ms
        )
        delivered = self._delivered(envelope, original.recipients, alerts)
        return Accepted(
            envelope,
            envelope.schema_version,
            deliveries,
            delivered,
            alerts,
            registry_change=changed,
            withdrawn=withdrawn,
            amends=original.event_id,
            forgets_case=forgets_case,
        )

    def _payload_problem(self, kind: AmendmentType, data: dict[str, Any]) -> Rejection | None:
        """A correction's new payload must be a valid event of the canonical version."""
        if kind.amendment is not Amendment.CORRECTED:
            return None
        payload = data["data"]
        version = self.catalogue.types[kind.amends].canonical_version
        violation = self.validators.violation(kind.amends, version, payload)
        if violation is not None:
            message = f"data is not a valid {kind.amends} v{version}: {violation.message}"
            return Rejection(RejectReason.SCHEMA_INVALID, message, "/data" + violation.path)
        if payload["caseId"] != data["caseId"]:
            message = "data.caseId must equal caseId: a correction cannot move an event"
            return Rejection(RejectReason.SCHEMA_INVALID, message, "/data/caseId")
        return None

    def _copies(self, route: Route) -> tuple[RecipientCopy, ...]:
        """The recipients of a route as delivery records keep them (made once per route)."""
        copies = self._route_copies.get(route.event_type)
        if copies is None:
            copies = self._route_copies[route.event_type] = copies_of(route.recipients)
        return copies

    @staticmethod
    def _delivered(
        envelope: Envelope, copies: tuple[RecipientCopy, ...], alerts: tuple[VictimAlert, ...]
    ) -> DeliveredEvent:
        return DeliveredEvent(
            envelope.id,
            envelope.source,
            envelope.source_org,
            envelope.event_type,
            envelope.subject,
            copies,
            alerts=tuple((alert.alert_id, alert.victim_id) for alert in alerts),
        )


def replace_version(envelope: Envelope, version: int) -> Envelope:
    """The envelope naming the canonical version the data now has."""
    if version == envelope.schema_version:
        return envelope
    return replace(envelope, dataschema=f"urn:no:justice:schema:{envelope.event_type}:{version}")


def missing_reference(
    event_type: str, data: Mapping[str, Any], facts: CaseFacts | None
) -> MissingReference | None:
    """What the event refers to that the registry does not know, if anything."""
    if event_type == CASE_REGISTERED:
        return None
    if facts is None:
        return MissingReference(f"case {data['caseId']} has not been registered by police")
    about_a_victim = event_type in (NOTIFICATION_REQUESTED, NOTIFICATION_WITHDRAWN)
    if about_a_victim and data["victimId"] not in facts.victims:
        message = f"victim {data['victimId']} is not registered on case {data['caseId']}"
        return MissingReference(message, "/victimId")
    return None


def confirmation_of(
    envelope: Envelope, data: Mapping[str, Any], state: PartitionState
) -> Confirmation | Rejection:
    """A recipient's `delivery.confirmed`, checked against what it was actually given."""
    original = state.delivered.get(data["eventId"])
    recipient = envelope.source_org
    if original is None or original.copy_for(recipient) is None:
        message = f"no event of case {envelope.subject} with that id was delivered to {recipient}"
        return Rejection(RejectReason.REFERENCE_NOT_FOUND, message, "/eventId")
    return Confirmation(original, recipient, data.get("reason"))
