"""Pure period arithmetic: ISO-8601 durations, calendar periods and business days.

Business days are counted on UTC dates: a window of N business days ends at the same time of
day N working days later, skipping Saturdays, Sundays and the holidays ``is_holiday`` names.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

_ISO_DURATION = re.compile(
    r"^P(?!$)(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)


def parse_iso_duration(text: str) -> timedelta:
    """Parse the exact part of ISO 8601 durations (weeks, days, hours, minutes, seconds).

    Years and months have no fixed length, so they are refused rather than guessed.
    """
    match = _ISO_DURATION.match(text.strip())
    if match is None:
        raise ValueError(
            f"{text!r} is not an ISO-8601 duration of weeks, days, hours, minutes or seconds "
            "(for example P5D, PT48H, PT3S)"
        )
    parts = {name: float(value) for name, value in match.groupdict().items() if value}
    return timedelta(**parts)


@dataclass(frozen=True)
class PeriodSpec:
    """A length of time: either exact (``fixed``) or a count of business days."""

    fixed: timedelta | None = None
    business_days: int | None = None


NoHolidays: Callable[[date], bool] = lambda _day: False  # noqa: E731


def is_business_day(day: date, is_holiday: Callable[[date], bool]) -> bool:
    return day.weekday() < 5 and not is_holiday(day)


def add_business_days(
    start: datetime, count: int, is_holiday: Callable[[date], bool] = NoHolidays
) -> datetime:
    """``start`` moved forward by ``count`` working days, keeping the time of day."""
    moment = start
    remaining = count
    while remaining > 0:
        moment += timedelta(days=1)
        if is_business_day(moment.date(), is_holiday):
            remaining -= 1
    return moment


def period_end(
    start: datetime, period: PeriodSpec, is_holiday: Callable[[date], bool] = NoHolidays
) -> datetime:
    if period.business_days is not None:
        return add_business_days(start, period.business_days, is_holiday)
    assert period.fixed is not None
    return start + period.fixed


def fraction_of(start: datetime, end: datetime, fraction: float) -> datetime:
    """The moment ``fraction`` of the way from ``start`` to ``end``."""
    return start + (end - start) * fraction
