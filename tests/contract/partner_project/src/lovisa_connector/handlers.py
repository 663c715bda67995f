"""What Lovisa does with what the hub delivers: open a court case for each indictment."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class CourtCases:
    """Lovisa's store, in memory: the cases opened, by case id."""

    opened: dict[str, dict[str, Any]] = field(default_factory=dict)

    def on_case_registered(self, received: Any) -> None:
        case = received.data
        if case["chargeKind"] != "INDICTMENT":
            return
        self.opened[case["caseId"]] = {
            "registeredAt": case["registeredAt"],
            "defendant": case["suspect"]["nationalIdentityNumber"],
            "counts": [(o["offenceId"], o["provision"]["section"]) for o in case["offences"]],
            "victims": [v["victimId"] for v in case["victims"]],
        }

    def on_execution_news(self, received: Any) -> None:
        """Kept with the case as it came."""
