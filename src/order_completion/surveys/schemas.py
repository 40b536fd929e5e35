"""Request body of the satisfaction survey answer."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from order_completion.tmf.schemas import Prose


class SurveyResponse(BaseModel):
    """The customer's answer: a score from 0 to 10 (net promoter style) and a comment."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"score": 9, "comment": "Smooth handover"}]},
    )

    score: int = Field(ge=0, le=10)
    comment: Prose[Annotated[str, Field(max_length=4000)]] | None = None


class SurveyAnswerOut(BaseModel):
    """The recorded answer, with the case as it stands after it."""

    type_: str = Field(alias="@type")
    score: int
    comment: str | None = None
    completionCase: dict[str, Any]
