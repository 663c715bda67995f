"""Upcasters: pure functions lifting an event's data one major version up.

A new major version that breaks its type's compatibility policy (a free-text
field replaced by a structured one) is accepted only with an upcaster from the
version before it, so the hub can give every consumer the canonical version.
Each upcaster takes the data of version N and returns new data of version
N + 1; it never mutates its input. `UPCASTERS` is keyed by (type, N).

`hub schemas check` and tests/unit/test_upcasters.py prove that every valid
example of version N, upcast, is valid against version N + 1.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Final

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


class UpcastError(ValueError):
    """Valid data of the older version that the newer version cannot express.

    The hub treats the event as undeliverable (dead-letter queue) and a person
    completes it; it is never silently passed on half-converted.
    """


# ---------------------------------------------------------------------------
# case.registered v1 -> v2: the text penalCodeSection becomes a structured provision.

# The strict form case.registered v1 allows, e.g. "strl. § 321 1. ledd".
_PENAL_CODE_SECTION: Final = re.compile(
    r"(?P<law>strl|vtrl)\. § (?P<section>[1-9][0-9]*)(?P<suffix>[a-z])?"
    r"(?: (?P<subsection>[1-9][0-9]*)\. ledd)?",
    re.ASCII,
)
_LAWS: Final[Mapping[str, str]] = MappingProxyType({"strl": "STRL", "vtrl": "VTRL"})


def parse_penal_code_section(text: str) -> dict[str, Any]:
    """The statutoryProvision for a v1 penalCodeSection, e.g. "strl. § 321 1. ledd".

    Receivers of v1 had to parse this text themselves; v2 carries the structure.
    """
    match = _PENAL_CODE_SECTION.fullmatch(text)
    if match is None:
        raise UpcastError(f"penalCodeSection {text!r} is not in the form 'strl. § 321 1. ledd'")
    provision: dict[str, Any] = {"law": _LAWS[match["law"]], "section": int(match["section"])}
    if match["suffix"]:
        provision["sectionSuffix"] = match["suffix"]
    if match["subsection"]:
        provision["subsection"] = int(match["subsection"])
    return provision


def _offence_v1_to_v2(offence: Mapping[str, Any]) -> dict[str, Any]:
    """One offence with penalCodeSection replaced, in place, by provision."""
    result: dict[str, Any] = {}
    for key, value in offence.items():
        if key == "penalCodeSection":
            result["provision"] = parse_penal_code_section(value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def case_registered_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """case.registered v1 to v2: each offence's penalCodeSection text becomes `provision`.

    Why v2: receivers had to parse the text to learn law, section and
    subsection, and KDI asks for the full statutory structure (hjemmelsrekke).
    """
    result = copy.deepcopy(data)
    result["offences"] = [_offence_v1_to_v2(offence) for offence in data["offences"]]
    return result


# ---------------------------------------------------------------------------
# judgment.final v1 -> v2: the flat sentence fields become one structured `sentence`.

_FLAT_SENTENCE_FIELDS: Final = frozenset(
    {
        "sentenceKind",
        "sentenceText",
        "prisonDays",
        "suspendedDays",
        "remandCreditDays",
        "communityHours",
        "fineNok",
    }
)
_PRISON_KINDS: Final = frozenset(
    {"UNCONDITIONAL_PRISON", "CONDITIONAL_PRISON", "PARTLY_CONDITIONAL_PRISON"}
)
# In v1, prisonDays of a fine or a community sentence is the alternative prison term.
_ALTERNATIVE_PRISON_KINDS: Final = frozenset({"FINE", "COMMUNITY_SENTENCE"})
# How Norwegian judgments word the limits of preventive detention (forvaring):
# "forvaring med en tidsramme på 15 – femten – år og en minstetid på 10 – ti – år".
_TIME_FRAME: Final = re.compile(r"tidsramme (?:på )?(\d{1,2})\b", re.IGNORECASE)
_MINIMUM_PERIOD: Final = re.compile(r"minstetid (?:på )?(\d{1,2})\b", re.IGNORECASE)


def _preventive_detention(text: str) -> dict[str, int]:
    """Time frame and minimum period read from the v1 sentence text.

    In v1 they existed only in the text; without them the v2 sentence would be
    incomplete, so a text that does not state both cannot be upcast.
    """
    frame, minimum = _TIME_FRAME.search(text), _MINIMUM_PERIOD.search(text)
    if frame is None or minimum is None:
        raise UpcastError(
            "judgment.final v1 PREVENTIVE_DETENTION: sentenceText states no time frame "
            "(tidsramme) and minimum period (minstetid)"
        )
    return {"timeFrameYears": int(frame[1]), "minimumYears": int(minimum[1])}


def sentence_from_v1(data: Mapping[str, Any]) -> dict[str, Any]:
    """The v2 `sentence` object for the flat sentence fields of judgment.final v1."""
    kind: str = data["sentenceKind"]
    sentence: dict[str, Any] = {"kind": kind}
    prison_days = data.get("prisonDays")
    if kind in _PRISON_KINDS and prison_days is not None:
        prison: dict[str, Any] = {"term": {"days": prison_days}}
        if kind == "PARTLY_CONDITIONAL_PRISON" and "suspendedDays" in data:
            prison["suspendedDays"] = data["suspendedDays"]
        sentence["prison"] = prison
    # v1 left remand credit out when there was none; v2 states 0.
    sentence["remandCreditDays"] = data.get("remandCreditDays", 0)
    if "communityHours" in data:
        sentence["communityHours"] = data["communityHours"]
    if "fineNok" in data:
        sentence["fineNok"] = data["fineNok"]
    if kind in _ALTERNATIVE_PRISON_KINDS and prison_days is not None:
        sentence["alternativePrisonDays"] = prison_days
    if kind == "PREVENTIVE_DETENTION":
        sentence["preventiveDetention"] = _preventive_detention(data["sentenceText"])
    # Contact bans, probation and conditions were only in the text: keep it whole.
    sentence["remarks"] = data["sentenceText"]
    return sentence


def judgment_final_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """judgment.final v1 to v2: flat sentence fields become one structured `sentence`.

    Why v2: receivers had to read the sentence from text and flat fields, and
    contact bans and the limits of preventive detention were only in the text.
    sentenceText becomes sentence.remarks, so nothing the court wrote is lost.
    """
    result: dict[str, Any] = {}
    for key, value in data.items():
        if key == "sentenceKind":
            result["sentence"] = sentence_from_v1(data)
        elif key not in _FLAT_SENTENCE_FIELDS:
            result[key] = copy.deepcopy(value)
    return result


UPCASTERS: Final[Mapping[tuple[str, int], Upcaster]] = MappingProxyType(
    {
        ("case.registered", 1): case_registered_v1_to_v2,
        ("judgment.final", 1): judgment_final_v1_to_v2,
    }
)
