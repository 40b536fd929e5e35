"""Request body of the satisfaction survey answer."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class SurveyResponse(BaseModel):
    """The customer's answer: a score from 0 to 10 (net promoter style) and a comment."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"score": 9, "comment": "Smooth handover"}]},
    )

    score: int = Field(ge=0, le=10)
    comment: str | None = Field(default=None, max_length=4000)


class SurveyAnswerOut(BaseModel):
    """The recorded answer, with the case as it stands after it."""

    type_: str = Field(alias="@type")
    score: int
    comment: str | None = None
    completionCase: dict[str, Any]
