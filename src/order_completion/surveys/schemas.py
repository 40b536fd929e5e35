"""Request body of the satisfaction survey answer."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class SurveyResponse(BaseModel):
    """The customer's answer: a score from 0 to 10 (net promoter style) and a comment."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"score": 9, "comment": "Smooth handover"}]},
    )

    score: int = Field(ge=0, le=10)
    comment: str | None = Field(default=None, max_length=4000)
