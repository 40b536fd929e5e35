"""Timer rows: an absolute due time and what to do then, so a restart loses nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from order_completion.database import Base, JsonColumn, UTCDateTime
from order_completion.timers.rules import TimerKind, TimerState

__all__ = ["PENDING_ONLY", "Timer", "TimerKind", "TimerState"]

PENDING_ONLY = f"state = '{TimerState.PENDING.value}'"


class Timer(Base):
    __tablename__ = "timer"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(36))
    step_id: Mapped[str | None] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(40))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(20))
    payload: Mapped[dict[str, Any]] = mapped_column(JsonColumn)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[str | None] = mapped_column(String(40))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # A failed job is tried again from here; ``due_at`` keeps the time the timer stands for
    # (a deemed acceptance is dated at the window's end, however late it is retried).
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        # The due query's index: pending timers only (migration 0011). The query names
        # the state as a literal, or a prepared statement could not use it.
        Index(
            "ix_timer_pending_due_at",
            "due_at",
            "retry_at",
            postgresql_where=text(PENDING_ONLY),
            sqlite_where=text(PENDING_ONLY),
        ),
        Index("ix_timer_case_id_state", "case_id", "state"),
    )
