"""The shape of the KPI report, for the OpenAPI document."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Figures(BaseModel):
    """The figures of one group (or of all the cohort's cases)."""

    cases: int
    cycleTimeHours: dict[str, Any] = Field(description="median, p90 and the cases measured")
    firstTimeAcceptanceRate: float | None = Field(description="Accepted in the first round")
    acceptance: dict[str, int] = Field(description="explicit and deemed acceptances")
    retestsPerCase: dict[str, Any] = Field(description="mean over the commissioned cases")
    onTimeCompletion: dict[str, Any] = Field(
        description="rate of cases ready for closure by their jeopardy target"
    )
    trainingWithinDue: dict[str, Any] = Field(
        description="rate of finished trainings completed by their due date"
    )
    satisfaction: dict[str, Any] = Field(description="mean score (0-10) and answers")


class GroupFigures(Figures):
    key: str


class ReportOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    type_: str = Field(alias="@type")
    period: dict[str, str]
    groupBy: str | None
    cohort: str
    overall: Figures
    group: list[GroupFigures]
