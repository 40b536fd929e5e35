"""The report's parameters as every caller takes them (the API's query, the report page's
form): the period, the grouping and the chart metric, each refused with a 400 naming its
field, so the page and the API refuse the same input with the same words."""

from __future__ import annotations

from dataclasses import dataclass

from order_completion.errors import InvalidInput
from order_completion.reports.rules import (
    ChartMetric,
    GroupBy,
    Period,
    parse_moment,
    period_problem,
)


@dataclass(frozen=True)
class ReportQuery:
    """What one report covers: its period and, optionally, what it groups by."""

    period: Period
    group_by: GroupBy | None

    @classmethod
    def parse(cls, start: str, end: str, group_by: str | None) -> ReportQuery:
        """The query given ``from``, ``to`` and ``groupBy`` as sent (``None``: no grouping)."""
        return cls(period_of(start, end), grouping_of(group_by))


def period_of(start: str, end: str) -> Period:
    moments = {}
    for name, given in (("from", start), ("to", end)):
        moment = parse_moment(given)
        if moment is None:
            raise InvalidInput(f"{name} must be a date or a date-time, not {given!r}", field=name)
        moments[name] = moment
    problem = period_problem(moments["from"], moments["to"])
    if problem:
        raise InvalidInput(problem, field="to")
    return Period(moments["from"], moments["to"])


def grouping_of(given: str | None) -> GroupBy | None:
    if given is None:
        return None
    try:
        return GroupBy(given)
    except ValueError:
        names = ", ".join(group.value for group in GroupBy)
        raise InvalidInput(f"groupBy must be one of {names}", field="groupBy") from None


def chart_metric(given: str) -> ChartMetric:
    try:
        return ChartMetric(given)
    except ValueError:
        names = ", ".join(known.value for known in ChartMetric)
        raise InvalidInput(f"metric must be one of {names}", field="metric") from None
