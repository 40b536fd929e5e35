"""Every explicit acceptance decision the customer gave, kept for the certificate and audit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from order_completion.database import Base, JsonColumn, UTCDateTime


class AcceptanceDecision(Base):
    __tablename__ = "acceptance_decision"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("completion_case.id"), index=True)
    step_id: Mapped[str] = mapped_column(String(36))
    round: Mapped[int]
    decision: Mapped[str] = mapped_column(String(20))
    decided_by: Mapped[dict[str, Any]] = mapped_column(JsonColumn)
    reason: Mapped[str | None] = mapped_column(Text)
    punch_list: Mapped[list[dict[str, Any]]] = mapped_column(JsonColumn)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
