"""Routes: which agency gets which event type, which fields of it, and which victim alerts.

The routes file (`routes/routes.yaml`, its format in its header) is data reviewed
like code. `load_routes` checks it against the catalogue's canonical schemas at
start-up and stops with a `RoutesError` naming the file and line: an unknown
type, agency, field or code; a catalogue type the file forgets; a CONFIDENTIAL
field a recipient would see without naming it in `confidential_fields` (so every
confidential flow is visible in review); any STRICTLY_CONFIDENTIAL field; an
enrichment the schema does not mark `x-enriched-by-hub`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Set
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from hub.catalogue.bundle import dereference
from hub.catalogue.catalogue import Catalogue
from hub.pipeline.amendments import amendment_type
from hub.pipeline.project import (
    ARRAY_MARK,
    Projection,
    Segments,
    classified_fields,
    compile_projection,
    path_segments,
    schema_field,
)

AGENCIES = frozenset({"police", "courts", "koda"})
REGISTRY_FACTS = frozenset({"suspect"})  # what the hub's registry step can fill in
ALERT_TYPE, CONSENT_TYPE = "victim.alert", "victim.notification-requested"
_DURATION = re.compile(r"P(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?")
_RECIPIENT_KEYS = frozenset({"fields", "confidential_fields", "enrich"})
_TRIGGER_KEYS = frozenset({"on", "kind", "consent", "urgency", "notify_within", "when"})


class RoutesError(Exception):
    """The routes file is wrong; the message names the file and line."""

    def __init__(self, path: Path, line: int | None, problem: str):
        super().__init__(f"{path}:{line}: {problem}" if line else f"{path}: {problem}")
        self.path, self.line, self.problem = path, line, problem


class UnknownRouteError(LookupError):
    """`route_for` was asked for a type the routes file does not name."""


@dataclass(frozen=True)
class Recipient:
    """One agency's share of an event type: the fields it sees and what the hub adds."""

    agency: str
    projection: Projection  # compiled from fields and confidential_fields together
    enrich: Mapping[str, str]  # top-level target field -> registry fact
    fields: tuple[str, ...]
    confidential_fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class Route:
    event_type: str
    recipients: tuple[Recipient, ...]


@dataclass(frozen=True)
class AlertTrigger:
    """An event type that alerts police about each victim who consented to `consent`."""

    event_type: str
    kind: str
    consent: str
    urgency: str
    notify_within: timedelta
    when: str | None = None  # a boolean field of the event that must be true


@dataclass(frozen=True)
class Routes:
    """Every event type's route, and the victim alerts each type sets off."""

    routes: Mapping[str, Route]
    alert_triggers: Mapping[str, tuple[AlertTrigger, ...]]

    def route_for(self, event_type: str) -> Route:
        """The type's route; UnknownRouteError when the routes file does not name it."""
        try:
            return self.routes[event_type]
        except KeyError:
            raise UnknownRouteError(f"no route for event type {event_type!r}") from None

    def alerts_for(self, event_type: str) -> tuple[AlertTrigger, ...]:
        """The victim alerts the type sets off; none for most types."""
        return self.alert_triggers.get(event_type, ())


def default_routes_path() -> Path:
    """`HUB_ROUTES`, else `routes/routes.yaml` in the repository beside the hub package."""
    configured = os.environ.get("HUB_ROUTES")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2] / "routes" / "routes.yaml"


def load_routes(path: Path, catalogue: Catalogue) -> Routes:
    """Read the routes file and check it against the catalogue; RoutesError on any mistake."""
    loader = _Loader(Path(path), catalogue)
    top = loader.table(loader.read(), "the file", {"routes", "victim_alerts"}, {"routes"})
    routes = loader.routes(top["routes"])
    alerts = loader.alerts(top["victim_alerts"]) if "victim_alerts" in top else {}
    return Routes(MappingProxyType(routes), MappingProxyType(alerts))


# The file as strings, dicts and lists that remember their line, for RoutesError.
class _Text(str):
    line: int


class _Table(dict[str, Any]):
    line: int


class _List(list[Any]):
    line: int


@dataclass(frozen=True)
class _Loader:
    path: Path
    catalogue: Catalogue

    def fail(self, at: Any, problem: str) -> RoutesError:
        return RoutesError(self.path, getattr(at, "line", None), problem)

    def read(self) -> Any:
        try:
            node = yaml.compose(self.path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
        except OSError as error:
            raise RoutesError(self.path, None, f"cannot be read: {error}") from error
        except yaml.MarkedYAMLError as error:
            line = error.problem_mark.line + 1 if error.problem_mark else None
            raise RoutesError(self.path, line, f"not valid YAML: {error.problem}") from None
        return self.marked(node)

    def marked(self, node: yaml.Node | None) -> Any:
        """The YAML as _Table, _List and _Text (every scalar as its text); no duplicate keys."""
        value: _Text | _Table | _List
        if isinstance(node, yaml.MappingNode):
            value = _Table()
            for key_node, value_node in node.value:
                key = self.marked(key_node)
                if key in value:
                    raise self.fail(key, f"{key!r} appears twice")
                value[key] = self.marked(value_node)
        elif isinstance(node, yaml.SequenceNode):
            value = _List(self.marked(item) for item in node.value)
        else:  # a scalar of the wrong kind (a number, yes/no) fails the check of its place
            value = _Text(node.value if node else "")
        value.line = node.start_mark.line + 1 if node else 1
        return value

    def table(self, value: Any, what: str, allowed: Set[str], required: Set[str]) -> _Table:
        if not isinstance(value, _Table):
            raise self.fail(value, f"{what} must be a mapping")
        for key in value.keys() - allowed:
            raise self.fail(key, f"unknown key {key!r} in {what}; expected {sorted(allowed)}")
        if missing := required - value.keys():
            raise self.fail(value, f"{what} lacks {sorted(missing)}")
        return value

    def texts(self, value: Any, what: str) -> list[str]:
        if not isinstance(value, _List) or not all(isinstance(item, _Text) for item in value):
            raise self.fail(value, f"{what} must be a list of strings")
        return list(value)

    def known_type(self, name: Any) -> str:
        if name not in self.catalogue.types:
            raise self.fail(name, f"unknown event type {name!r}: not in the catalogue")
        return str(name)

    def schema(self, event_type: str) -> Mapping[str, Any]:
        """The canonical version's schema with every $ref inlined."""
        known = self.catalogue.types[event_type]
        return dereference(known.versions[known.canonical_version].schema, self.catalogue.defs)

    def routes(self, value: Any) -> dict[str, Route]:
        if not isinstance(value, _Table):
            raise self.fail(value, "routes must map event types to their recipients")
        # Retractions and corrections go to the original's recipients, never by route.
        routed = {t for t in self.catalogue.types if amendment_type(t) is None}
        if missing := sorted(routed - value.keys()):
            raise self.fail(value, f"no route for {missing} (for none: recipients: {{}})")
        routes = {}
        for name, entry in value.items():
            event_type = self.known_type(name)
            if event_type not in routed:
                raise self.fail(name, f"{event_type} goes to the original's recipients: no route")
            recipients = self.table(entry, event_type, {"recipients"}, {"recipients"})["recipients"]
            if not isinstance(recipients, _Table):
                raise self.fail(name, f"{event_type}: recipients must be a mapping, {{}} for none")
            schema = self.schema(event_type)
            found = (self.recipient(agency, spec, schema) for agency, spec in recipients.items())
            routes[event_type] = Route(event_type, tuple(found))
        return routes

    def recipient(self, agency: str, spec: Any, schema: Mapping[str, Any]) -> Recipient:
        if agency not in AGENCIES:
            raise self.fail(agency, f"unknown recipient {agency!r}; expected {sorted(AGENCIES)}")
        entry = self.table(spec, f"recipient {agency}", set(_RECIPIENT_KEYS), {"fields"})
        fields = self.texts(entry["fields"], "fields")
        confidential = self.texts(entry.get("confidential_fields", _List()), "confidential_fields")
        named = [_loose_segments(path) for path in confidential]
        for path in fields:
            self.check_path(schema, path, named)
        for path in confidential:
            if not self.check_path(schema, path, named):
                raise self.fail(path, f"{path} shows no CONFIDENTIAL field: list it in fields")
        visible = [*fields, *confidential]
        targets = entry.get("enrich", _Table())
        if not isinstance(targets, _Table):
            raise self.fail(targets, "enrich must map target fields to registry facts")
        enrich = {key: self.enrichment(schema, key, fact, visible) for key, fact in targets.items()}
        return Recipient(
            agency=str(agency),
            projection=compile_projection(map(str, visible)),
            enrich=MappingProxyType({str(key): fact for key, fact in enrich.items()}),
            fields=tuple(map(str, fields)),
            confidential_fields=tuple(map(str, confidential)),
        )

    def check_path(self, schema: Mapping[str, Any], path: str, named: list[Segments]) -> bool:
        """Check one path a recipient sees; True when it shows CONFIDENTIAL data."""
        try:
            segments, shown = path_segments(path), classified_fields(schema, path)
        except ValueError as error:
            raise self.fail(path, str(error)) from None
        for field, strictly in shown:
            where = ".".join(field)
            if strictly:
                raise self.fail(path, f"{path} shows STRICTLY_CONFIDENTIAL {where}: never sent")
            part = max(segments, field, key=len)  # the confidential data the path shows
            if not any(part[: len(entry)] == entry for entry in named):
                raise self.fail(
                    path, f"{path} shows CONFIDENTIAL {where}: name it in confidential_fields"
                )
        return bool(shown)

    def enrichment(
        self, schema: Mapping[str, Any], target: str, fact: Any, visible: list[str]
    ) -> str:
        if "." in target or ARRAY_MARK in target:
            raise self.fail(target, f"enrich target {target} must be a top-level field")
        try:
            views = schema_field(schema, target)
        except ValueError as error:
            raise self.fail(target, f"enrich target {error}") from None
        if not any(view.get("x-enriched-by-hub") is True for view, _ in views):
            raise self.fail(target, f"enrich target {target} is not marked x-enriched-by-hub")
        if fact not in REGISTRY_FACTS:
            raise self.fail(fact, f"unknown registry fact {fact!r}; use {sorted(REGISTRY_FACTS)}")
        if not any(_loose_segments(path)[0] == target for path in visible):
            raise self.fail(target, f"enrich target {target} is not among the recipient's fields")
        return str(fact)

    def alerts(self, value: Any) -> dict[str, tuple[AlertTrigger, ...]]:
        if not isinstance(value, _List):
            raise self.fail(value, "victim_alerts must be a list of triggers")
        for needed in (ALERT_TYPE, CONSENT_TYPE):
            if needed not in self.catalogue.types:
                raise self.fail(value, f"victim_alerts need the catalogue type {needed}")
        alert, consent = self.schema(ALERT_TYPE), self.schema(CONSENT_TYPE)
        try:
            codes = {
                "kind": _enum(alert, "kind"),
                "consent": _enum(consent, "events[]"),
                "urgency": _enum(alert, "urgency"),
            }
        except ValueError as error:  # the catalogue changed under the routes file
            raise self.fail(value, f"victim_alerts: {error}") from None
        triggers: dict[str, tuple[AlertTrigger, ...]] = {}
        for item in value:
            trigger = self.trigger(item, codes)
            triggers[trigger.event_type] = (*triggers.get(trigger.event_type, ()), trigger)
        return triggers

    def trigger(self, item: Any, codes: Mapping[str, frozenset[str]]) -> AlertTrigger:
        entry = self.table(item, "a victim alert", set(_TRIGGER_KEYS), _TRIGGER_KEYS - {"when"})
        event_type = self.known_type(entry["on"])
        for name, allowed in codes.items():
            if entry[name] not in allowed:
                raise self.fail(
                    entry[name], f"unknown {name} {entry[name]!r}; use {sorted(allowed)}"
                )
        when = entry.get("when")
        if when is not None:
            try:
                views = schema_field(self.schema(event_type), when)
            except ValueError as error:
                raise self.fail(when, f"when: {error}") from None
            if not any(view.get("type") == "boolean" for view, _ in views):
                raise self.fail(when, f"when: {when} is not a boolean field of {event_type}")
        return AlertTrigger(
            event_type,
            **{name: str(entry[name]) for name in codes},
            notify_within=self.duration(entry["notify_within"]),
            when=None if when is None else str(when),
        )

    def duration(self, value: Any) -> timedelta:
        match = _DURATION.fullmatch(value) if isinstance(value, str) else None
        if match is None or not any(match.groups()):
            raise self.fail(value, f"notify_within {value!r} is not an ISO 8601 duration like PT1H")
        weeks, days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
        return timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)


def _loose_segments(path: str) -> Segments:
    """A path's field names without checking its form (check_path reports a malformed one)."""
    return tuple(segment.removesuffix(ARRAY_MARK) for segment in path.split("."))


def _enum(schema: Mapping[str, Any], path: str) -> frozenset[str]:
    views = schema_field(schema, path)
    return frozenset(code for view, _ in views for code in view.get("enum", ()))
