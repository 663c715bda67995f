"""Every route of routes/routes.yaml on the real broker: each recipient gets its fields, no more.

One module-wide batch covers the routes file: every valid example of every
version of every type agencies send, each on a case of its own that police
registered first (registrations are routed events too). The deliveries are
then compared, leaf by leaf, with what the routes file lets each recipient see.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from hub.catalogue.bundle import dereference
from hub.catalogue.catalogue import Catalogue, default_schemas_dir, load_catalogue
from hub.catalogue.upcast import to_canonical
from hub.kafka.io import ConsumedRecord, read_topic
from hub.kafka.service import HubService
from hub.kafka.topology import AGENCIES, AUDIT, egress
from hub.pipeline.project import PROTECTED_ADDRESS, classified_fields, path_segments
from hub.pipeline.route import Recipient, Routes, default_routes_path, load_routes
from hub.settings import KafkaSettings
from tests.events import Event, event, example, judgment_final, new_case_id, notification_requested
from tests.kafka_io import send

pytestmark = pytest.mark.integration

ALERT_TYPE = b"no.justice.victim.alert"
SHIELDED_ADDRESS = {
    "addressLines": ["Skjermet vei 1"],
    "postalCode": "0150",
    "city": "OSLO",
    "countryCode": "NOR",
}
Place = tuple[str | int, ...]  # where a leaf sits in the data, array indices included


@dataclass(frozen=True)
class Sent:
    """An event the test sent, the canonical data the hub routes, the suspect of its case."""

    event: Event
    type_name: str
    label: str
    data: dict[str, Any]
    suspect: Mapping[str, Any]


@dataclass
class Matrix:
    """What police register first, what everybody sends then, and what the hub made of it."""

    catalogue: Catalogue
    routes: Routes
    first: list[Sent] = field(default_factory=list)
    then: list[Sent] = field(default_factory=list)
    protected: dict[str, Sent] = field(default_factory=dict)  # per addressProtection
    alert_case: bytes = b""
    expected_alerts: int = 0
    decisions: dict[str, Any] = field(default_factory=dict)  # final audit record per event id
    deliveries: dict[str, list[ConsumedRecord]] = field(default_factory=dict)  # per agency

    def add(self, type_name: str, version: int, data: dict[str, Any], label: str,
            suspect: Mapping[str, Any] | None = None, *, first: bool = False) -> Sent:  # fmt: skip
        agency = self.catalogue.types[type_name].producers[0]
        canonical = to_canonical(self.catalogue, type_name, version, copy.deepcopy(data))[1]
        sent = event(type_name, version, agency, data)
        item = Sent(sent, type_name, label, canonical, suspect or canonical.get("suspect", {}))
        (self.first if first else self.then).append(item)
        return item

    def register(self, case_id: str, **suspect: Any) -> Mapping[str, Any]:
        data = example("case.registered", 2, "domestic-abuse-and-threats", case_id)
        changed = {**data["suspect"], **suspect}
        data["suspect"] = {key: value for key, value in changed.items() if value is not None}
        return self.add("case.registered", 2, data, f"registration {case_id}", first=True).suspect

    def recipients(self, type_name: str) -> tuple[Recipient, ...]:
        return self.routes.route_for(type_name).recipients

    def delivered(self, item: Sent) -> dict[str, list[ConsumedRecord]]:
        """The records per agency that carry `item` (its ce_id and ce_type)."""
        ids = (item.event.event_id.encode(), f"no.justice.{item.type_name}".encode())
        return {
            agency: [r for r in records if (r.header("ce_id"), r.header("ce_type")) == ids]
            for agency, records in self.deliveries.items()
        }

    def every_delivery(self) -> Iterator[tuple[str, Recipient, dict[str, Any]]]:
        """(type, recipient, data) of every delivery to the test's cases, alerts included."""
        for agency, records in self.deliveries.items():
            for record in records:
                type_name = (record.header("ce_type") or b"").decode().removeprefix("no.justice.")
                if type_name == "hub.receipt":
                    continue  # to the sender, by the hub, no route: test_receipts.py
                [recipient] = [r for r in self.recipients(type_name) if r.agency == agency]
                yield type_name, recipient, _json(record)

    def schema(self, type_name: str) -> Mapping[str, Any]:
        known = self.catalogue.types[type_name]
        return dereference(known.versions[known.canonical_version].schema, self.catalogue.defs)

    @property
    def sent(self) -> list[Sent]:
        return [*self.first, *self.then]


def _plan(matrix: Matrix) -> None:
    for type_name in matrix.routes.routes:
        known = matrix.catalogue.types[type_name]
        if known.producers == ("hub",):
            continue  # victim.alert and hub.receipt: made by the hub (see the alert case)
        if type_name in ("delivery.confirmed", "victim.alert.acknowledged"):
            continue  # names a delivery or alert it confirms, goes nowhere: test_receipts.py,
            # test_alert_lifecycle.py
        for version, schema_version in sorted(known.versions.items()):
            for item in schema_version.valid_examples:
                case_id = new_case_id()
                data = {**copy.deepcopy(item.data), "caseId": case_id}
                data |= {"victimId": "V001"} if "victimId" in data else {}
                label = f"{type_name} v{version} {item.name}"
                if type_name == "case.registered":
                    matrix.add(type_name, version, data, label, first=True)
                else:
                    matrix.add(type_name, version, data, label, matrix.register(case_id))
    for protection in sorted(PROTECTED_ADDRESS):
        case_id = new_case_id()
        # The schema forbids sending a fortrolig (CONFIDENTIAL) address to the hub at all.
        address = None if protection == "CONFIDENTIAL" else SHIELDED_ADDRESS
        suspect = matrix.register(case_id, addressProtection=protection, address=address)
        final = json.loads(judgment_final(case_id).value)
        matrix.protected[protection] = matrix.add("judgment.final", 2, final, protection, suspect)


def _plan_alerts(matrix: Matrix) -> None:
    """One case whose victim asked to hear of everything, then every event that alerts."""
    case_id, triggers_by_type = new_case_id(), matrix.routes.alert_triggers
    suspect = matrix.register(case_id)
    consents = sorted({t.consent for triggers in triggers_by_type.values() for t in triggers})
    consent = json.loads(notification_requested(case_id, "V001", consents).value)
    matrix.add("victim.notification-requested", 1, consent, "consent", first=True)
    matrix.alert_case = case_id.encode()
    for type_name, triggers in triggers_by_type.items():
        known = matrix.catalogue.types[type_name]
        examples = known.versions[known.canonical_version].valid_examples
        alerting = [e for e in examples if all(e.data.get(t.when, True) for t in triggers)]
        data = {**copy.deepcopy((alerting or examples)[0].data), "caseId": case_id}
        matrix.add(type_name, known.canonical_version, data, f"{type_name} alert", suspect)
        matrix.expected_alerts += sum(t.when is None or data.get(t.when) is True for t in triggers)


def _json(record: ConsumedRecord) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(record.value or b"null")
    return loaded


def _await_decisions(kafka: KafkaSettings, sent: list[Sent]) -> dict[str, Any]:
    """The final audit record of each sent event, once the hub has committed all of them."""
    wanted = {item.event.event_id for item in sent}

    def decided(records: Sequence[ConsumedRecord]) -> dict[str, Any]:
        return {a["eventId"]: a for a in map(_json, records) if a["action"] != "PARK"}

    keys = {item.event.key for item in sent}
    records = read_topic(
        kafka, AUDIT, keys=keys, done=lambda rs: wanted <= decided(rs).keys(), timeout=60
    )
    assert wanted <= decided(records).keys(), "the hub did not decide every event within 60 s"
    return decided(records)


@pytest.fixture(scope="module")
def matrix(hub: HubService, topics: KafkaSettings) -> Matrix:
    catalogue = load_catalogue(default_schemas_dir())
    matrix = Matrix(catalogue, load_routes(default_routes_path(), catalogue))
    _plan(matrix)
    _plan_alerts(matrix)
    send(topics, (item.event for item in matrix.first))
    _await_decisions(topics, matrix.first)  # police and the others write different topics
    send(topics, (item.event for item in matrix.then))
    matrix.decisions = _await_decisions(topics, matrix.sent)
    keys = {item.event.key for item in matrix.sent}
    # Each delivery is committed with its audit record, so all of them are readable now.
    matrix.deliveries = {
        agency: read_topic(topics, egress(agency), keys=keys) for agency in AGENCIES
    }
    return matrix


def _leaves(data: Any, place: Place = ()) -> dict[Place, Any]:
    """Every scalar of `data` by its place; empty objects and arrays hold no data."""
    if not isinstance(data, dict | list):
        return {place: data}
    items = data.items() if isinstance(data, dict) else enumerate(data)
    return dict(pair for key, item in items for pair in _leaves(item, (*place, key)).items())


def _dotted(place: Place) -> str:
    """`victims[].person.name`: a place written as the routes file writes paths."""
    return "".join(f".{part}" if isinstance(part, str) else "[]" for part in place)[1:]


def _within(place: Place, paths: Iterable[str]) -> bool:
    names = tuple(part for part in place if isinstance(part, str))
    return any(names[: len(path_segments(p))] == path_segments(p) for p in paths)


def _objects(data: Any) -> Iterator[dict[str, Any]]:
    """Every object in `data`, `data` itself first."""
    if isinstance(data, dict):
        yield data
    for item in data.values() if isinstance(data, dict) else data if isinstance(data, list) else ():
        yield from _objects(item)


def _entitled(item: Sent, recipient: Recipient) -> dict[Place, Any]:
    """What `recipient` may see of the event, enriched from the registration.

    Whatever a route says, no address travels beside a protected addressProtection.
    """
    facts = {"suspect": item.suspect}
    data = copy.deepcopy({**item.data, **{k: facts[f] for k, f in recipient.enrich.items()}})
    for owner in _objects(data):
        if owner.get("addressProtection") in PROTECTED_ADDRESS:
            owner.pop("address", None)
    shown = (*recipient.fields, *recipient.confidential_fields)
    return {place: leaf for place, leaf in _leaves(data).items() if _within(place, shown)}


def test_every_example_sent_is_accepted(matrix: Matrix) -> None:
    refused = {
        item.label: matrix.decisions[item.event.event_id]
        for item in matrix.sent
        if matrix.decisions[item.event.event_id]["action"] != "ACCEPT"
    }
    assert refused == {}


def test_each_event_reaches_exactly_the_recipients_its_route_names(matrix: Matrix) -> None:
    wrong = {}
    for item in matrix.sent:
        found = {agency: len(rs) for agency, rs in matrix.delivered(item).items() if rs}
        expected = {recipient.agency: 1 for recipient in matrix.recipients(item.type_name)}
        if found != expected:
            wrong[item.label] = {"found": found, "expected": expected}
    assert wrong == {}


def test_each_recipient_receives_exactly_the_fields_its_route_lists(matrix: Matrix) -> None:
    wrong = {}
    for item in matrix.sent:
        delivered = matrix.delivered(item)
        for recipient in matrix.recipients(item.type_name):
            got = dict(
                pair for r in delivered[recipient.agency] for pair in _leaves(_json(r)).items()
            )
            expected = _entitled(item, recipient)
            extra = sorted(
                {_dotted(at) for at, leaf in got.items() if expected.get(at, ...) != leaf}
            )
            missing = sorted({_dotted(at) for at in expected.keys() - got.keys()})
            if extra or missing:
                wrong[f"{item.label} to {recipient.agency}"] = {"extra": extra, "missing": missing}
    assert wrong == {}


def test_confidential_data_reaches_only_recipients_that_name_it(matrix: Matrix) -> None:
    wrong = set()
    schemas = {type_name: matrix.schema(type_name) for type_name in matrix.routes.routes}
    for type_name, recipient, data in matrix.every_delivery():
        for place in _leaves(data):
            shown = classified_fields(schemas[type_name], _dotted(place))
            if any(strictly for _, strictly in shown) or (
                shown and not _within(place, recipient.confidential_fields)
            ):
                wrong.add((type_name, recipient.agency, _dotted(place)))
    assert wrong == set()


def test_victims_contact_details_and_addresses_never_reach_courts_or_koda(matrix: Matrix) -> None:
    private = {
        leaf
        for item in matrix.sent
        if item.type_name in ("case.registered", "victim.notification-requested")
        for place, leaf in _leaves(item.data).items()
        if (item.type_name != "case.registered" or place[0] == "victims")
        and ("contact" in place or "addressLines" in place)
    }
    assert {"+4791234567", "Postboks 4321 Nydalen", "advokat.lunde@example.no"} <= private

    leaked = {
        (agency, leaf)
        for agency in ("courts", "koda")
        for record in matrix.deliveries[agency]
        for leaf in private
        if json.dumps(leaf, ensure_ascii=False).encode() in (record.value or b"")
    }
    assert leaked == set()


def test_a_protected_address_is_in_no_delivery(matrix: Matrix) -> None:
    for protection, item in matrix.protected.items():
        [delivered] = matrix.delivered(item)["koda"]
        person = _json(delivered)["convictedPerson"]
        assert person["addressProtection"] == protection
        assert "address" not in person

    shown = [
        (type_name, recipient.agency, owner["addressProtection"])
        for type_name, recipient, data in matrix.every_delivery()
        for owner in _objects(data)
        if owner.get("addressProtection") in PROTECTED_ADDRESS and "address" in owner
    ]
    assert shown == []
    assert not [
        r for rs in matrix.deliveries.values() for r in rs if b"Skjermet" in (r.value or b"")
    ]


def test_victim_alerts_reach_police_only_with_the_fields_of_their_route(matrix: Matrix) -> None:
    alerts = {
        agency: [_json(r) for r in records if r.header("ce_type") == ALERT_TYPE]
        for agency, records in matrix.deliveries.items()
    }
    [police] = matrix.recipients("victim.alert")

    assert alerts["courts"] == alerts["koda"] == []
    assert len(alerts["police"]) == matrix.expected_alerts
    assert all(alert["caseId"] == matrix.alert_case.decode() for alert in alerts["police"])
    assert all(alert["contact"] == {"phone": "+4791234567"} for alert in alerts["police"])
    outside = {
        _dotted(place)
        for alert in alerts["police"]
        for place in _leaves(alert)
        if not _within(place, (*police.fields, *police.confidential_fields))
    }
    assert outside == set()
