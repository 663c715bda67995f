"""What a contract check found: one broken promise, naming who, what and where."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Finding:
    """One failed check. `provider` and `consumer` are agencies (or `hub`); `path` a JSON
    pointer into the event data (or into the schema or contract file, by `check`)."""

    check: str  # catalogue, routes, contract, schema, route, sample, delivery, example, handler
    provider: str
    consumer: str
    type_name: str
    version: int | None
    path: str
    message: str

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["type"] = data.pop("type_name")
        return data

    def line(self) -> str:
        """One readable line: who breaks whom, in what, where, and why."""
        version = f" v{self.version}" if self.version else ""
        who = f"{self.provider or '-'} → {self.consumer or '-'}"
        where = f" at {self.path}" if self.path else ""
        return f"[{self.check}] {who}: {self.type_name}{version}{where}: {self.message}"
