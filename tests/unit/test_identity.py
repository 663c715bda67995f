"""National identity numbers: the format checker every schema uses for fødselsnummer."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from hub.catalogue.identity import (
    check_digits,
    is_synthetic,
    is_valid_national_identity_number,
    synthetic_national_identity_number,
)

SYNTHETIC = "14839411341"  # 14 March 1994, month + 80


def test_a_synthetic_number_with_both_check_digits_right_is_valid() -> None:
    assert is_valid_national_identity_number(SYNTHETIC)
    assert is_synthetic(SYNTHETIC)


def test_a_wrong_first_or_second_check_digit_is_invalid() -> None:
    assert not is_valid_national_identity_number(SYNTHETIC[:9] + "5" + SYNTHETIC[10])
    assert not is_valid_national_identity_number(SYNTHETIC[:10] + "2")


def test_dates_must_be_plausible_d_numbers_and_synthetic_months_included() -> None:
    def number(day: int, month: int) -> str:
        first_nine = f"{day:02d}{month:02d}94113"
        for individual in range(10):
            candidate = first_nine[:8] + str(individual)
            if (digits := check_digits(candidate)) is not None:
                return candidate + digits
        raise AssertionError("no check digits")

    assert is_valid_national_identity_number(number(29, 82))  # 29 February, synthetic
    assert is_valid_national_identity_number(number(54, 3))  # D-number: day 14 + 40
    assert not is_valid_national_identity_number(number(30, 82))  # 30 February
    assert not is_valid_national_identity_number(number(14, 13))  # month 13
    assert not is_valid_national_identity_number(number(0, 3))  # day 0


def test_anything_but_eleven_ascii_digits_is_invalid() -> None:
    for value in [
        None,
        14839411341,
        "1483941134",
        "148394113411",
        "1483941134a",
        "１４８３９４１１３４１",
    ]:
        assert not is_valid_national_identity_number(value)


@given(st.dates(dt.date(1900, 1, 1), dt.date(2039, 12, 31)), st.integers(0, 999))
def test_the_generator_makes_only_valid_synthetic_numbers(birth: dt.date, individual: int) -> None:
    number = synthetic_national_identity_number(birth, individual)
    if number is not None:
        assert is_valid_national_identity_number(number)
        assert is_synthetic(number)
        assert number[:2] == f"{birth.day:02d}"
