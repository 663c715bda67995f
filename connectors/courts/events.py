"""What the courts publish: the judgment as rendered (`judgment.rendered` v1) and,
once no appeal can change it, the final judgment (`judgment.final` v2, with the
structured sentence). The final judgment is built from the rendered one: the
same court, numbers and sentence, its guilty verdicts as convictions.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

JUDGMENT_RENDERED = "judgment.rendered"
JUDGMENT_FINAL = "judgment.final"

OSLO_TINGRETT = ({"organisationNumber": "983110002", "name": "Oslo tingrett"}, "TOSL")
# The district court (tingrett) of each police district, with its code in case numbers.
COURTS = {
    "974400006": OSLO_TINGRETT,
    "974760355": ({"organisationNumber": "983110355", "name": "Bergen tingrett"}, "TBER"),
    "974760568": ({"organisationNumber": "983110568", "name": "Trøndelag tingrett"}, "TTRO"),
    "974760711": ({"organisationNumber": "983110711", "name": "Sør-Rogaland tingrett"}, "TSRO"),
    "974760894": (
        {"organisationNumber": "983110894", "name": "Nord-Troms og Senja tingrett"},
        "TNTS",
    ),
}


def court_for(police_district: Mapping[str, str]) -> tuple[dict[str, str], str]:
    """The court that hears a case of `police_district`, and its code (Oslo when unknown)."""
    return COURTS.get(police_district["organisationNumber"], OSLO_TINGRETT)


def court_case_number(rng: random.Random, court_code: str, year: int) -> str:
    """A case number as the courts' system writes it: 25-041187MED-TOSL/05."""
    return f"{year % 100:02d}-{rng.randrange(10**6):06d}MED-{court_code}/{rng.randint(1, 12):02d}"


def judgment_rendered(
    case: Mapping[str, Any],
    *,
    judgment_id: str,
    court: Mapping[str, str],
    court_case_number: str,
    rendered_on: date,
    verdicts: Sequence[Mapping[str, Any]],
    sentence: Mapping[str, Any] | None,
    declaration: str,
) -> dict[str, Any]:
    """The judgment as read out: every charged offence's verdict, the sentence if guilty."""
    data: dict[str, Any] = {
        "caseId": case["caseId"],
        "judgmentId": judgment_id,
        "courtCaseNumber": court_case_number,
        "court": dict(court),
        "renderedOn": rendered_on.isoformat(),
        # Received from police through the hub with the case: nobody types it in again.
        "defendantNationalIdentityNumber": case["suspect"]["nationalIdentityNumber"],
        "verdicts": [dict(v) for v in verdicts],
        "service": {
            "served": True,
            "servedOn": rendered_on.isoformat(),
            "declaration": declaration,
        },
    }
    if sentence is not None:
        data["sentence"] = dict(sentence)
    return data


def judgment_final(rendered: Mapping[str, Any], final_from: date) -> dict[str, Any]:
    """The final judgment (rettskraftig dom) of a rendered conviction."""
    convictions = [
        {"offenceId": v["offenceId"], "provision": v["provision"]}
        for v in rendered["verdicts"]
        if v["result"] == "GUILTY"
    ]
    return {
        "caseId": rendered["caseId"],
        "judgmentId": rendered["judgmentId"],
        "courtCaseNumber": rendered["courtCaseNumber"],
        "court": rendered["court"],
        "renderedOn": rendered["renderedOn"],
        "finalFrom": final_from.isoformat(),
        "defendantNationalIdentityNumber": rendered["defendantNationalIdentityNumber"],
        "convictions": convictions,
        "sentence": rendered["sentence"],
    }
