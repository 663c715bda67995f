"""What a connector puts up for contract checks: its samples and its handlers.

A connector team (or the reference connectors in `connectors/`) describes its
code with an `AgencyCode`: `samples()` returns events built by its own event
builders, as it would publish them; `handlers()` returns, from a fresh
in-memory store, what it does with each type it receives (a mapping of event
type to a function of one `Received` delivery, as the reference connectors'
reactions are). A handler that raises refuses the message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from connectors.common.inbox import Received

Handler = Callable[[Received], object]
HUB = "hub"  # a consumer too: it reads every event whole (registry, alerts, confirmations)


@dataclass(frozen=True)
class Sample:
    """One event an agency's connector would publish: type, major version, data, and its origin."""

    type_name: str
    version: int
    data: Mapping[str, Any]
    origin: str = ""  # the builder that made it, for the report


@dataclass(frozen=True)
class AgencyCode:
    """One agency's connector code under contract checks."""

    agency: str
    samples: Callable[[], Iterable[Sample]]
    handlers: Callable[[], Mapping[str, Handler]]


def no_samples() -> Iterable[Sample]:
    """For a connector that publishes nothing (yet)."""
    return ()


def no_handlers() -> Mapping[str, Handler]:
    """For a connector that receives nothing (yet)."""
    return {}
