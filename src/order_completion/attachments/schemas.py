"""How a test run or a decision names the files that back it."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class AttachmentRef(BaseModel):
    """An attachment of the case, uploaded before (``POST .../attachment``), by its id."""

    model_config = ConfigDict(extra="allow")

    id: str = Field(min_length=1, max_length=36)
