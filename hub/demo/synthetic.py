"""Seeded, reproducible synthetic people and case contents.

Identity numbers are synthetic (birth month + 80, valid mod-11 check digits),
so no real person's number can appear; names come from a fixed list.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import Any

from hub.catalogue.identity import synthetic_national_identity_number

GIVEN_NAMES = {
    "FEMALE": ["Ingrid", "Kari", "Nora", "Sofie", "Emma", "Marte", "Hanne", "Astrid", "Liv"],
    "MALE": ["Jonas", "Ola", "Lars", "Henrik", "Magnus", "Erik", "Sindre", "Tor", "Anders"],
}
FAMILY_NAMES = [
    "Haugen",
    "Hansen",
    "Johansen",
    "Olsen",
    "Larsen",
    "Berg",
    "Dahl",
    "Lunde",
    "Bakken",
    "Solberg",
    "Strand",
    "Moen",
]
CITIES = [
    ("0152", "OSLO", "Tollbugata"),
    ("5003", "BERGEN", "Strandgaten"),
    ("7011", "TRONDHEIM", "Olav Tryggvasons gate"),
    ("4006", "STAVANGER", "Kirkegata"),
    ("9008", "TROMSØ", "Storgata"),
]
# (law section, subsection or None, description): the offences the demo charges.
OFFENCES = [
    (282, None, "Mishandling i nære relasjoner over tid."),
    (263, 1, "Trusler om vold fremsatt muntlig og på SMS."),
    (271, None, "Kroppskrenkelse ved slag mot ansiktet."),
    (321, None, "Tyveri av sykkel og verktøy fra bod."),
    (231, 1, "Erverv og oppbevaring av narkotika."),
]


def new_id(rng: random.Random) -> str:
    """A UUID drawn from `rng`, so a seed reproduces every id."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def case_number(rng: random.Random) -> str:
    return f"{rng.randrange(10**7, 10**8):08d}"


def person(rng: random.Random, gender: str, born_between: tuple[int, int]) -> dict[str, Any]:
    """A synthetic person: name, synthetic identity number, birth date, an address."""
    birth = dt.date(rng.randint(*born_between), rng.randint(1, 12), rng.randint(1, 28))
    number = None
    while number is None:
        number = synthetic_national_identity_number(birth, rng.randrange(1000))
    postal_code, city, street = rng.choice(CITIES)
    return {
        "nationalIdentityNumber": number,
        "name": {
            "givenName": rng.choice(GIVEN_NAMES[gender]),
            "familyName": rng.choice(FAMILY_NAMES),
        },
        "birthDate": birth.isoformat(),
        "gender": gender,
        "citizenship": ["NOR"],
        "addressProtection": "NONE",
        "address": {
            "addressLines": [f"{street} {rng.randint(1, 90)}"],
            "postalCode": postal_code,
            "city": city,
            "countryCode": "NOR",
        },
    }
