"""Pure rules of the KPI report: what a report may be grouped by, which period it may
cover, and the metrics a chart can draw.

Standard library only: the API parses the query into these, the queries compute.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

LONGEST_PERIOD = timedelta(days=3700)  # ten years of months at most in one report


class GroupBy(StrEnum):
    POLICY = "policy"
    CATEGORY = "category"
    MONTH = "month"


class ChartMetric(StrEnum):
    """What one chart draws, one bar (or pair of bars) per group."""

    CYCLE_TIME = "cycleTime"
    FIRST_TIME_ACCEPTANCE = "firstTimeAcceptance"
    ACCEPTANCE = "acceptance"
    RETESTS = "retests"
    ON_TIME = "onTime"
    TRAINING_WITHIN_DUE = "trainingWithinDue"
    SATISFACTION = "satisfaction"


@dataclass(frozen=True)
class Period:
    """Cases whose service started (accepted, or deemed so) at ``start`` or later and before
    ``end``: the report's cohort."""

    start: datetime
    end: datetime


def parse_moment(text: str) -> datetime | None:
    """A day (its midnight, UTC) or a moment (UTC when no offset is given); None when the
    text is neither."""
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):  # OverflowError: an offset past year 1 or 9999
        return None


def period_problem(start: datetime, end: datetime) -> str | None:
    """Why the period from ``start`` to ``end`` cannot be reported on, or None."""
    if end <= start:
        return "to must be after from"
    if end - start > LONGEST_PERIOD:
        return f"a report covers at most {LONGEST_PERIOD.days} days"
    return None


def rate(part: float | None) -> float | None:
    """A share as the report shows it: four decimals."""
    return None if part is None else round(part, 4)


def hours(value: float | None) -> float | None:
    """A duration in hours as the report shows it: to the second."""
    return None if value is None else round(value, 3)


# What makes a spreadsheet read a cell as a formula rather than as text.
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(text: str) -> str:
    """A text cell of an exported CSV that a spreadsheet shows as text: a group named by an
    order's category comes from other systems, and one starting like a formula would run as
    one when the file is opened; a leading apostrophe keeps it text."""
    return f"'{text}" if text.startswith(FORMULA_LEADS) else text
