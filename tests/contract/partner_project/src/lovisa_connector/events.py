"""What Lovisa publishes: the judgment as rendered, then the final judgment."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

OSLO_TINGRETT = {"organisationNumber": "983110002", "name": "Oslo tingrett"}


def judgment_rendered(
    case: Mapping[str, Any], judgment_id: str, case_number: str, rendered_on: date
) -> dict[str, Any]:
    """Every charged offence found guilty, with a fine: Lovisa's simplest judgment."""
    return {
        "caseId": case["caseId"],
        "judgmentId": judgment_id,
        "courtCaseNumber": case_number,
        "court": dict(OSLO_TINGRETT),
        "renderedOn": rendered_on.isoformat(),
        "defendantNationalIdentityNumber": case["suspect"]["nationalIdentityNumber"],
        "verdicts": [
            {"offenceId": o["offenceId"], "result": "GUILTY", "provision": dict(o["provision"])}
            for o in case["offences"]
        ],
        "service": {"served": True, "servedOn": rendered_on.isoformat(), "declaration": "ACCEPTED"},
        "sentence": {
            "kind": "FINE",
            "fineNok": 8000,
            "alternativePrisonDays": 16,
            "remandCreditDays": 0,
        },
    }


def judgment_final(rendered: Mapping[str, Any], final_from: date) -> dict[str, Any]:
    """The rendered judgment once the defendant accepted it."""
    return {
        "caseId": rendered["caseId"],
        "judgmentId": rendered["judgmentId"],
        "courtCaseNumber": rendered["courtCaseNumber"],
        "court": rendered["court"],
        "renderedOn": rendered["renderedOn"],
        "finalFrom": final_from.isoformat(),
        "defendantNationalIdentityNumber": rendered["defendantNationalIdentityNumber"],
        "convictions": [
            {"offenceId": v["offenceId"], "provision": v["provision"]} for v in rendered["verdicts"]
        ],
        "sentence": rendered["sentence"],
    }
