"""What the hub's contract checks run: our builders' samples and our handlers.

The samples are built the way Lovisa builds judgments in production, from the
cases the hub's contract examples say we receive.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

from hub.contracts import Sample, received_examples
from lovisa_connector.events import judgment_final, judgment_rendered
from lovisa_connector.handlers import CourtCases


def samples() -> Iterator[Sample]:
    for number, case in enumerate(received_examples("courts", "case.registered"), start=1):
        rendered = judgment_rendered(
            case,
            judgment_id=f"0f8d6c2e-5b7a-4c1d-9e3f-{number:012d}",
            case_number=f"25-{number:06d}MED-TOSL/01",
            rendered_on=date(2025, 3, 3),
        )
        yield Sample("judgment.rendered", 1, rendered, "lovisa_connector.events")
        yield Sample(
            "judgment.final",
            2,
            judgment_final(rendered, date(2025, 3, 4)),
            "lovisa_connector.events",
        )


def handlers() -> Mapping[str, Any]:
    cases = CourtCases()
    return {
        "case.registered": cases.on_case_registered,
        "admission.completed": cases.on_execution_news,
        "release.scheduled": cases.on_execution_news,
        "release.completed": cases.on_execution_news,
    }
