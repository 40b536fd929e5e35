"""HTTP routes of the KPI report: the figures as JSON or CSV, and a chart of one metric as
SVG (for pages to embed as images)."""

from __future__ import annotations

from typing import Annotated, Protocol

from fastapi import APIRouter, Depends, Query, Request, Response

from order_completion.auth.rules import Permission
from order_completion.cases.representation import API_BASE
from order_completion.clock import Clock
from order_completion.database import Database
from order_completion.dependencies import allow, services
from order_completion.errors import InvalidInput
from order_completion.reports.export import (
    CSV,
    CSV_DISPOSITION,
    SVG,
    report_chart,
    report_csv,
)
from order_completion.reports.parameters import ReportQuery, chart_metric
from order_completion.reports.rules import ChartMetric
from order_completion.reports.schemas import ReportOut
from order_completion.reports.service import Report, kpi_report
from order_completion.tmf.responses import json_resource
from order_completion.tmf.schemas import ERROR_RESPONSES


class ReportServices(Protocol):
    @property
    def db(self) -> Database: ...

    @property
    def clock(self) -> Clock: ...


ReportServicesDep = Annotated[ReportServices, Depends(services(ReportServices))]
router = APIRouter(prefix=API_BASE, tags=["report"])

PERIOD_DOC = (
    "The cohort is the cases whose service started (accepted, or deemed accepted) at "
    "`from` or later and before `to` (days, or moments with an offset; UTC without one). "
)
FromQuery = Annotated[str, Query(alias="from", description="Start of the period, e.g. 2026-01-01")]
ToQuery = Annotated[
    str, Query(alias="to", description="End of the period (excluded), e.g. 2026-04-01")
]
GroupQuery = Annotated[
    str | None, Query(alias="groupBy", description="policy, category or month; none: overall")
]


async def _report(app: ReportServices, start: str, end: str, group_by: str | None) -> Report:
    asked = ReportQuery.parse(start, end, group_by)
    return await kpi_report(app.db, asked.period, asked.group_by)


def _wants_csv(request: Request, format_: str | None) -> bool:
    if format_ is not None:
        if format_ not in ("json", "csv"):
            raise InvalidInput("format must be json or csv", field="format")
        return format_ == "csv"
    return CSV in request.headers.get("accept", "")


@router.get(
    "/report",
    dependencies=allow(Permission.READ),
    summary="Completion KPIs per group and overall",
    description=PERIOD_DOC
    + "Per group (`groupBy`) and overall: cycle time from the first ready-for-service "
    "notice to acceptance (median and p90, hours), first-time acceptance rate, explicit "
    "and deemed acceptances, retests per commissioned case, on-time completion (ready for "
    "closure by the jeopardy target), training completed within its due date, and the "
    "satisfaction score (mean and count). `Accept: text/csv` or `format=csv` answers CSV. "
    "400 naming `from`, `to`, `groupBy` or `format` when one is wrong.",
    response_model=ReportOut,
    responses={200: {"model": ReportOut, "content": {CSV: {}}}, **ERROR_RESPONSES},
)
async def report(
    request: Request,
    app: ReportServicesDep,
    start: FromQuery,
    end: ToQuery,
    group_by: GroupQuery = None,
    format_: Annotated[str | None, Query(alias="format", description="json or csv")] = None,
) -> Response:
    as_csv = _wants_csv(request, format_)
    found = await _report(app, start, end, group_by)
    if as_csv:
        headers = {"Content-Disposition": CSV_DISPOSITION}
        return Response(report_csv(found), media_type=CSV, headers=headers)
    return json_resource(found.resource())


@router.get(
    "/report/chart/{metric}.svg",
    dependencies=allow(Permission.READ),
    summary="A chart of one KPI, as SVG",
    description=PERIOD_DOC
    + "A bar per group (one, overall, without `groupBy`). `metric`: "
    + ", ".join(f"`{metric.value}`" for metric in ChartMetric)
    + ". 400 naming `metric` for another.",
    response_class=Response,
    responses={200: {"content": {SVG: {}}}, **ERROR_RESPONSES},
)
async def chart(
    metric: str,
    app: ReportServicesDep,
    start: FromQuery,
    end: ToQuery,
    group_by: GroupQuery = None,
) -> Response:
    drawn = chart_metric(metric)
    found = await _report(app, start, end, group_by)
    return Response(report_chart(found, drawn), media_type=SVG)
