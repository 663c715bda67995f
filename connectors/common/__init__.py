"""What the three reference connectors share: clock, store, inbox, outbox relay, broker.

A connector team copies this package with one agency folder: the agency adds
its reactions (what it does with what it receives), its event builders and
its own tables, and gets dedupe, commit-after-store, confirmations and keyed,
ordered publishing from here.
"""

from connectors.common.actions import Action, ActionSink, Verb
from connectors.common.clock import SimulatedClock
from connectors.common.connector import Connector, ConnectorOptions
from connectors.common.inbox import CannotProcess, Handled, Reaction, Reason, Received
from connectors.common.planned import PlannedEvent, new_event_id, seeded_random
from connectors.common.store import EventStore, OutboxEvent, ReceivedEvent

__all__ = [
    "Action",
    "ActionSink",
    "CannotProcess",
    "Connector",
    "ConnectorOptions",
    "EventStore",
    "Handled",
    "OutboxEvent",
    "PlannedEvent",
    "Reaction",
    "Reason",
    "Received",
    "ReceivedEvent",
    "SimulatedClock",
    "Verb",
    "new_event_id",
    "seeded_random",
]
