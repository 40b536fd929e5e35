"""The KPI report: its figures per group and overall, read with one statement each."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import RowMapping

from order_completion.clock import iso
from order_completion.database import Database
from order_completion.reports import queries
from order_completion.reports.rules import GroupBy, Period, hours, rate

COHORT = "cases whose service started (accepted or deemed accepted) in the period"


@dataclass(frozen=True)
class Report:
    period: Period
    group_by: GroupBy | None
    overall: dict[str, Any]
    groups: list[dict[str, Any]]

    def resource(self) -> dict[str, Any]:
        return {
            "@type": "CompletionKpiReport",
            "period": {"from": iso(self.period.start), "to": iso(self.period.end)},
            "groupBy": self.group_by.value if self.group_by else None,
            "cohort": COHORT,
            "overall": self.overall,
            "group": self.groups,
        }


async def kpi_report(db: Database, period: Period, group_by: GroupBy | None) -> Report:
    """The figures of ``period``'s cohort, per group and overall, from one statement."""
    dialect = queries.dialect_of(db.dialect)
    parameters = {"start": period.start, "end": period.end}
    async with db.read() as session:
        found = await session.execute(queries.report_statement(dialect, group_by), parameters)
        rows = found.mappings().all()
    overall = next((row for row in rows if row["whole"]), None)
    groups = [{"key": row["grp"], **metrics(row)} for row in rows if not row["whole"]]
    groups.sort(key=lambda group: str(group["key"]))
    return Report(period, group_by, metrics(overall) if overall else metrics({}), groups)


def _number(value: Decimal | float | int | None) -> float | None:
    """A figure as JSON takes it (PostgreSQL's averages come as decimals)."""
    return None if value is None else float(value)


def metrics(row: RowMapping | dict[str, Any]) -> dict[str, Any]:
    """One group's figures, shaped for the answer (a group without cases: zeros and nulls)."""

    def count(name: str) -> int:
        return int(row.get(name) or 0)

    return {
        "cases": count("cases"),
        "cycleTimeHours": {
            "median": hours(_number(row.get("cycle_median"))),
            "p90": hours(_number(row.get("cycle_p90"))),
            "cases": count("cycle_count"),
        },
        "firstTimeAcceptanceRate": rate(_number(row.get("first_time_rate"))),
        "acceptance": {"explicit": count("explicit"), "deemed": count("deemed")},
        "retestsPerCase": {
            "mean": rate(_number(row.get("retests_mean"))),
            "cases": count("retests_cases"),
        },
        "onTimeCompletion": {
            "rate": rate(_number(row.get("on_time_rate"))),
            "cases": count("on_time_cases"),
        },
        "trainingWithinDue": {
            "rate": rate(_number(row.get("training_rate"))),
            "cases": count("training_cases"),
        },
        "satisfaction": {
            "mean": rate(_number(row.get("score_mean"))),
            "count": count("score_count"),
        },
    }
