"""How the report page words its period and figures: the default period ends with today
(included), shares are percentages, and a bound is a day unless it has a time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from order_completion.web.rules import day_or_moment, last_days, percent


def test_the_last_days_end_with_today_included() -> None:
    start, end = last_days(date(2026, 3, 1), 30)
    assert (start, end) == (date(2026, 1, 31), date(2026, 3, 2))
    assert (end - start).days == 30


def test_a_share_is_a_percentage_to_one_decimal() -> None:
    assert [percent(share) for share in (0.0, 0.6667, 1.0, 0.00049)] == [
        "0.0%",
        "66.7%",
        "100.0%",
        "0.0%",
    ]


def test_a_bound_is_a_day_at_midnight_utc_and_a_moment_otherwise() -> None:
    assert day_or_moment(datetime(2026, 11, 1, tzinfo=UTC)) == "2026-11-01"
    assert day_or_moment(datetime(2026, 11, 1, 12, 30, tzinfo=UTC)) == "2026-11-01 12:30:00 UTC"
    east = timezone(timedelta(hours=2))
    assert day_or_moment(datetime(2026, 11, 1, 2, 0, tzinfo=east)) == "2026-11-01"
