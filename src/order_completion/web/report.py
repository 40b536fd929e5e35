"""The KPI report page: the API's report for a period and a grouping chosen in a form, as
a table (the figures, with their units), the charts drawn on the server, and the same CSV
the API gives, for the signed-in staff who may read.

The charts are drawn from the page's own report and sent inside the page as ``data:``
images (the pages' policy allows them; an SVG shown as an image runs no script and fetches
nothing), so a view of the page aggregates its period once, not once per chart.

The page takes the API's parameters and refuses them with the API's words
(``reports.parameters``), and reads the figures through the API's own ``kpi_report``, so
the page and the API never disagree about a period.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import urlencode

from fastapi import Response

from order_completion.auth.rules import Permission
from order_completion.errors import InvalidInput
from order_completion.reports.export import (
    CHART_HEIGHT,
    CHART_WIDTH,
    CHARTS,
    CSV,
    CSV_DISPOSITION,
    report_chart,
    report_csv,
)
from order_completion.reports.parameters import ReportQuery
from order_completion.reports.rules import ChartMetric, GroupBy
from order_completion.reports.service import Report, kpi_report
from order_completion.web import rules
from order_completion.web.shell import StaffDep, Visit, page_router, pages_of

router = page_router()
DEFAULT_DAYS = 30
GROUPINGS: dict[str, str] = {
    "": "None: all cases together",
    GroupBy.POLICY.value: "Policy",
    GroupBy.CATEGORY.value: "Order category",
    GroupBy.MONTH.value: "Month service started",
}
PER_GROUP = {
    None: "all cases",
    GroupBy.POLICY: "per policy",
    GroupBy.CATEGORY: "per order category",
    GroupBy.MONTH: "per month",
}


class Shown(StrEnum):
    """How a figure is written in the table."""

    COUNT = "count"
    HOURS = "hours"
    RATE = "rate"
    MEAN = "mean"


@dataclass(frozen=True)
class Column:
    heading: str  # with the unit
    figure: str  # where the API's answer holds it, dotted: ``cycleTimeHours.median``
    shown: Shown
    measured: str | None = None  # the cases (or answers) the figure is measured over


COLUMNS = (
    Column("Cases", "cases", Shown.COUNT),
    Column("Cycle time, median (hours)", "cycleTimeHours.median", Shown.HOURS),
    Column("Cycle time, p90 (hours)", "cycleTimeHours.p90", Shown.HOURS),
    Column("First-time acceptance (%)", "firstTimeAcceptanceRate", Shown.RATE),
    Column("Accepted explicitly (cases)", "acceptance.explicit", Shown.COUNT),
    Column("Deemed accepted (cases)", "acceptance.deemed", Shown.COUNT),
    Column("Retests per case (runs)", "retestsPerCase.mean", Shown.MEAN, "retestsPerCase.cases"),
    Column("On-time completion (%)", "onTimeCompletion.rate", Shown.RATE, "onTimeCompletion.cases"),
    Column(
        "Training within due date (%)",
        "trainingWithinDue.rate",
        Shown.RATE,
        "trainingWithinDue.cases",
    ),
    Column("Satisfaction (score 0-10)", "satisfaction.mean", Shown.MEAN, "satisfaction.count"),
)


@dataclass(frozen=True)
class Cell:
    figure: str
    value: float | None  # the API's figure, None when nothing was measured
    text: str
    measured: int | None


@dataclass(frozen=True)
class Line:
    key: str  # the group's key, ``all`` for the overall line (as in the CSV)
    label: str
    cells: list[Cell]


@dataclass(frozen=True)
class Chart:
    src: str
    alt: str


@dataclass(frozen=True)
class ReportForm:
    """The form as sent (or its defaults): the text of each field."""

    start: str
    end: str
    group_by: str  # "" for no grouping

    def query(self) -> str:
        """The form as a query string, for the charts and the CSV to report the same."""
        fields = {"from": self.start, "to": self.end}
        if self.group_by:
            fields["groupBy"] = self.group_by
        return urlencode(fields)

    def asked(self) -> ReportQuery:
        return ReportQuery.parse(self.start, self.end, self.group_by or None)


def _form(visit: Visit) -> ReportForm:
    """The form's fields from the query; a field left out takes its default (the last
    30 days by the service's clock, ending today; no grouping)."""
    given = visit.request.query_params
    start, end = rules.last_days(visit.services.clock.now().date(), DEFAULT_DAYS)
    return ReportForm(
        given.get("from", start.isoformat()).strip(),
        given.get("to", end.isoformat()).strip(),
        given.get("groupBy", "").strip(),
    )


def _at(figures: Mapping[str, Any], path: str) -> Any:
    found: Any = figures
    for part in path.split("."):
        found = found[part]
    return found


def _text(value: float, shown: Shown) -> str:
    if shown is Shown.RATE:
        return rules.percent(value)
    if shown is Shown.HOURS:
        return f"{value:.1f}"
    if shown is Shown.MEAN:
        return f"{value:.2f}"
    return str(int(value))


def _cells(figures: Mapping[str, Any]) -> list[Cell]:
    cells = []
    for column in COLUMNS:
        value = _at(figures, column.figure)
        text = "" if value is None else _text(value, column.shown)
        measured = _at(figures, column.measured) if column.measured else None
        cells.append(Cell(column.figure, value, text, measured))
    return cells


def lines(report: Report) -> list[Line]:
    """A line per group, then the overall line (the CSV's order)."""
    grouped = [Line(str(group["key"]), str(group["key"]), _cells(group)) for group in report.groups]
    return [*grouped, Line("all", "All cases", _cells(report.overall))]


def _data_uri(svg: bytes) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def charts(report: Report) -> list[Chart]:
    """Every metric's chart of this report, drawn now, as images the page carries."""
    per = PER_GROUP[report.group_by]
    return [
        Chart(
            _data_uri(report_chart(report, metric)),
            f"Bar chart: {CHARTS[metric][0]}, {per}. The table above gives every figure.",
        )
        for metric in ChartMetric
    ]


async def _report(visit: Visit, form: ReportForm) -> Report:
    """The report the form asks for; ``InvalidInput`` naming the field the API would."""
    asked = form.asked()
    return await kpi_report(visit.services.db, asked.period, asked.group_by)


@router.get("/report")
async def report_page(visit: StaffDep) -> Response:
    """The report for the form's period and grouping; input the API would refuse is the
    form again, with a 400 and the API's message naming the field."""
    visit.require(Permission.READ)
    form = _form(visit)
    context: dict[str, object] = {
        "form": form,
        "groupings": GROUPINGS,
        "columns": COLUMNS,
        "problem": None,
    }
    try:
        found = await _report(visit, form)
    except InvalidInput as wrong:
        context["problem"] = wrong
        return pages_of(visit.request).render(visit, "report.html", context, status=400)
    context |= {
        "report": found,
        "per": PER_GROUP[found.group_by],
        "start": rules.day_or_moment(found.period.start),
        "end": rules.day_or_moment(found.period.end),
        "lines": lines(found),
        "charts": charts(found),
        "chart_size": (CHART_WIDTH, CHART_HEIGHT),
        "query": form.query(),
    }
    return pages_of(visit.request).render(visit, "report.html", context)


@router.get("/report.csv")
async def report_download(visit: StaffDep) -> Response:
    """The report as the API's CSV, for the page's download link."""
    visit.require(Permission.READ)
    found = await _report(visit, _form(visit))
    answer = Response(report_csv(found), media_type=CSV)
    answer.headers["Content-Disposition"] = CSV_DISPOSITION
    return pages_of(visit.request).finish(visit, answer)
