"""How a test run or a decision names the files that back it."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


class AttachmentRef(BaseModel):
    """An attachment of the case, uploaded before (``POST .../attachment``), by its id."""

    model_config = ConfigDict(extra="allow")

    id: str = Field(min_length=1, max_length=36)


def each_once(refs: list[AttachmentRef]) -> list[AttachmentRef]:
    """``refs`` unchanged when no file is named twice: a file backs a record once, and a
    list that names one twice is more likely a mistake (a wrong id copied) than meant."""
    seen: set[str] = set()
    for ref in refs:
        if ref.id in seen:
            raise ValueError(f"names attachment {ref.id} more than once")
        seen.add(ref.id)
    return refs


# The files a commissioning test run or an acceptance decision names as its evidence.
EvidenceRefs = Annotated[list[AttachmentRef], AfterValidator(each_once)]
