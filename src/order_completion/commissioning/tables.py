"""One row per commissioning test run reported for a case."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from order_completion.database import Base, JsonColumn, UTCDateTime


class CommissioningRun(Base):
    __tablename__ = "commissioning_run"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("completion_case.id"), index=True)
    step_id: Mapped[str] = mapped_column(String(36))
    round: Mapped[int]
    result: Mapped[str] = mapped_column(String(20))
    test_items: Mapped[list[dict[str, Any]]] = mapped_column(JsonColumn)
    witnessed_by: Mapped[dict[str, Any] | None] = mapped_column(JsonColumn)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
