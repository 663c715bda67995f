"""Norwegian national identity numbers (fødselsnummer, D-number, synthetic).

An 11-digit number: birth date (DDMMYY), a 3-digit individual number, and two
mod-11 check digits. D-numbers add 40 to the day; synthetic numbers from the
Tenor test register add 80 to the month, so they can never belong to a real
person. Test data in this project uses synthetic numbers only.
"""

from __future__ import annotations

import datetime as dt

_FIRST_CHECK_WEIGHTS = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_SECOND_CHECK_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
_D_NUMBER_DAY_OFFSET = 40
_SYNTHETIC_MONTH_OFFSET = 80
_H_NUMBER_MONTH_OFFSET = 40


def _check_digit(digits: str, weights: tuple[int, ...]) -> int | None:
    remainder = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    check = 0 if remainder == 0 else 11 - remainder
    return None if check == 10 else check


def check_digits(first_nine: str) -> str | None:
    """The two check digits for the first nine digits, or None when none exist."""
    first = _check_digit(first_nine, _FIRST_CHECK_WEIGHTS)
    if first is None:
        return None
    second = _check_digit(first_nine + str(first), _SECOND_CHECK_WEIGHTS)
    return None if second is None else f"{first}{second}"


def _has_plausible_date(number: str) -> bool:
    day, month = int(number[0:2]), int(number[2:4])
    if day > _D_NUMBER_DAY_OFFSET:
        day -= _D_NUMBER_DAY_OFFSET
    if month > _SYNTHETIC_MONTH_OFFSET:
        month -= _SYNTHETIC_MONTH_OFFSET
    elif month > _H_NUMBER_MONTH_OFFSET:
        month -= _H_NUMBER_MONTH_OFFSET
    # Year 2000 is a leap year, so 29 February passes for any century.
    try:
        dt.date(2000, month, day)
    except ValueError:
        return False
    return True


def is_valid_national_identity_number(value: object) -> bool:
    """True for 11 digits with a plausible date and both mod-11 check digits right."""
    if not isinstance(value, str) or len(value) != 11 or not value.isascii():
        return False
    if not value.isdigit() or not _has_plausible_date(value):
        return False
    return check_digits(value[:9]) == value[9:]


def is_synthetic(value: str) -> bool:
    """True for a number in the synthetic range (month + 80)."""
    return is_valid_national_identity_number(value) and int(value[2:4]) > _SYNTHETIC_MONTH_OFFSET


def synthetic_national_identity_number(birth_date: dt.date, individual: int) -> str | None:
    """The synthetic number for `birth_date` and a 3-digit `individual` number.

    Returns None when that individual number has no valid check digits (about
    one in six do not); callers try the next one.
    """
    if not 0 <= individual <= 999:
        raise ValueError("individual number must be 0..999")
    month = birth_date.month + _SYNTHETIC_MONTH_OFFSET
    first_nine = f"{birth_date.day:02d}{month:02d}{birth_date.year % 100:02d}{individual:03d}"
    digits = check_digits(first_nine)
    return None if digits is None else first_nine + digits
