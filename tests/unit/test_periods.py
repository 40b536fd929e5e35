"""Window arithmetic: ISO durations, business days and public holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from order_completion.policies.rules import (
    PeriodSpec,
    add_business_days,
    fraction_of,
    is_business_day,
    parse_iso_duration,
    period_end,
)
from order_completion.policies.schema import Period

FRIDAY = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PT0S", timedelta(0)),
        ("PT3S", timedelta(seconds=3)),
        ("P5D", timedelta(days=5)),
        ("PT48H", timedelta(hours=48)),
        ("P1W", timedelta(weeks=1)),
        ("P1DT2H30M", timedelta(days=1, hours=2, minutes=30)),
        ("PT0.5S", timedelta(milliseconds=500)),
    ],
)
def test_iso_durations_parse_to_exact_lengths(text: str, expected: timedelta) -> None:
    assert parse_iso_duration(text) == expected


@pytest.mark.parametrize("text", ["P1M", "P1Y", "P", "PT", "5D", "P-1D", "PT1H1D"])
def test_durations_without_a_fixed_length_or_malformed_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="ISO-8601"):
        parse_iso_duration(text)


def test_five_business_days_from_friday_end_the_next_friday_at_the_same_time() -> None:
    assert add_business_days(FRIDAY, 5) == datetime(2026, 12, 4, 15, 0, tzinfo=UTC)


def test_business_days_skip_public_holidays_of_the_country() -> None:
    """Christmas and Boxing Day 2026 in GB (Friday 25th, Monday 28th as the substitute)."""
    window = Period.model_validate({"businessDays": 3, "country": "GB"})
    start = datetime(2026, 12, 23, 10, 0, tzinfo=UTC)  # Wednesday
    end = period_end(start, window.spec(), window.holiday_checker())
    # Thu 24 (1), Fri 25 holiday, Mon 28 holiday (Boxing Day substitute), Tue 29 (2), Wed 30 (3)
    assert end == datetime(2026, 12, 30, 10, 0, tzinfo=UTC)


def test_without_a_country_only_weekends_are_skipped() -> None:
    window = Period.model_validate({"businessDays": 1})
    start = datetime(2026, 12, 24, 10, 0, tzinfo=UTC)
    assert period_end(start, window.spec(), window.holiday_checker()) == datetime(
        2026, 12, 25, 10, 0, tzinfo=UTC
    )


@given(st.integers(min_value=0, max_value=60), st.dates(date(2020, 1, 1), date(2030, 12, 31)))
def test_business_day_windows_end_on_a_business_day_and_count_exactly(
    count: int, day: date
) -> None:
    start = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    end = add_business_days(start, count)
    counted = sum(
        1
        for offset in range(1, (end - start).days + 1)
        if is_business_day((start + timedelta(days=offset)).date(), lambda _d: False)
    )
    assert counted == count
    if count:
        assert end.weekday() < 5


def test_reminder_fraction_falls_inside_the_window() -> None:
    end = period_end(FRIDAY, PeriodSpec(fixed=timedelta(days=4)))
    assert fraction_of(FRIDAY, end, 0.5) == FRIDAY + timedelta(days=2)
