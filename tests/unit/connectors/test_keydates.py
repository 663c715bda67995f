"""KODA's sentence arithmetic: thirds, halves, remand credit and the 74-day parole rule."""

from __future__ import annotations

from datetime import date

from connectors.koda.keydates import add_term, detention_key_dates, prison_key_dates


def test_a_term_is_counted_in_calendar_months_and_ends_on_the_last_day_of_a_short_month() -> None:
    assert add_term(date(2025, 1, 31), {"months": 1}) == date(2025, 2, 28)
    assert add_term(date(2024, 2, 29), {"years": 1}) == date(2025, 2, 28)
    assert add_term(date(2025, 3, 10), {"years": 1, "months": 6, "days": 2}) == date(2026, 9, 12)


def test_key_dates_of_a_six_month_term_are_its_thirds_half_and_end() -> None:
    dates = prison_key_dates(date(2025, 3, 10), {"months": 6}, remand_credit_days=0)

    assert dates.as_data() == {
        "sentenceStart": "2025-03-10",
        "oneThird": "2025-05-11",  # 62 of 184 days
        "half": "2025-06-10",
        "twoThirds": "2025-07-11",  # 123 days
        "sentenceEnd": "2025-09-10",
        "leaveEligibleFrom": "2025-05-11",
    }
    assert dates.parole_allowed


def test_remand_credit_counts_as_served_so_every_key_date_comes_earlier() -> None:
    without = prison_key_dates(date(2025, 3, 10), {"months": 6}, remand_credit_days=0)
    credited = prison_key_dates(date(2025, 3, 10), {"months": 6}, remand_credit_days=30)

    assert credited.sentence_start == without.sentence_start
    assert credited.fractions["twoThirds"] == date(2025, 6, 9)
    assert credited.sentence_end == date(2025, 8, 8)


def test_no_key_date_falls_before_admission_however_long_the_remand() -> None:
    dates = prison_key_dates(date(2025, 3, 10), {"days": 60}, remand_credit_days=45)

    assert min(dates.fractions.values()) >= date(2025, 3, 10)
    assert dates.sentence_end == date(2025, 3, 25)


def test_parole_needs_74_days_served_at_two_thirds_remand_included() -> None:
    assert not prison_key_dates(date(2025, 3, 10), {"days": 90}, 0).parole_allowed  # 60 days
    assert prison_key_dates(date(2025, 3, 10), {"days": 111}, 0).parole_allowed  # 74 days
    assert prison_key_dates(date(2025, 3, 10), {"days": 111}, 30).parole_allowed  # 30 on remand
    assert not prison_key_dates(date(2025, 3, 10), {"days": 109}, 30).parole_allowed  # 73 days


def test_preventive_detention_runs_from_its_minimum_time_to_its_time_frame() -> None:
    dates = detention_key_dates(
        date(2025, 1, 1), {"timeFrameYears": 10, "minimumYears": 6}, remand_credit_days=366
    )

    assert dates.earliest_release == date(2030, 1, 1)
    assert dates.sentence_end == date(2034, 1, 1)
    assert dates.as_data()["preventiveDetentionMinimum"] == "2030-01-01"
    assert dates.as_data()["preventiveDetentionMaximum"] == "2034-01-01"
    assert date(2025, 1, 1) < dates.leave_eligible_from < dates.earliest_release
