"""What every agency of the chain agrees on about offences and sentences."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Penal code sections (straffeloven) of violence or threats against a person:
# the courts ban contact, KODA assesses escape risk as high, police expect victims.
VIOLENT_SECTIONS = frozenset({263, 271, 282})

# Sentences KODA executes by admitting the person to prison (innsettelse).
PRISON_SENTENCES = frozenset({"UNCONDITIONAL_PRISON", "PREVENTIVE_DETENTION"})


def served_in_prison(sentence: Mapping[str, Any]) -> bool:
    """True when the sentence means admission to prison (not so a fine or community sentence)."""
    return sentence.get("kind") in PRISON_SENTENCES


def is_violent(provision: Mapping[str, Any]) -> bool:
    return provision.get("law") == "STRL" and provision.get("section") in VIOLENT_SECTIONS
