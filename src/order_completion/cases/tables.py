"""Rows of a completion case: the case (milestones inline), its steps, order items and
history.

The case aggregate is read and written through ``repository.py`` with SQLAlchemy Core;
these declarations are the schema (for Alembic and for query filters), not domain objects.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Table, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column

from order_completion.cases.rules import Waiter
from order_completion.database import Base, JsonColumn, PackedJson, UTCDateTime


class CaseRow(Base):
    """One per product order. ``version`` guards against two writers deciding at once."""

    __tablename__ = "completion_case"
    # What the list filters need (migration 0012): each filter that narrows a list, then
    # state, then the list order (newest first), so a page is read straight off the index
    # and its exact count is counted over the index alone. No index on a column alone
    # where one of these begins with it (0014): it would only cost writes and space.
    __table_args__ = (
        Index("ix_completion_case_created_id", "created_at", "id"),
        Index("ix_completion_case_state_created", "state", "created_at", "id"),
        Index("ix_completion_case_customer_state", "customer_id", "state", "created_at", "id"),
        Index("ix_completion_case_policy_state", "policy_id", "state", "created_at", "id"),
        Index("ix_completion_case_jeopardy_state", "jeopardy", "state", "created_at", "id"),
        Index("ix_completion_case_category_state", "order_category", "state", "created_at"),
        Index("ix_completion_case_waiting_state", "waiting_for", "state", "created_at", "id"),
        Index("ix_completion_case_updated_at", "updated_at"),
        Index("ix_completion_case_completed_at", "completed_at"),
        Index("ix_completion_case_start_of_service", "start_of_service_date"),
        # Cases in fallout are few: a partial index holds only them (migration 0019).
        Index(
            "ix_completion_case_in_fallout",
            "created_at",
            "id",
            postgresql_where=text("in_fallout"),
            sqlite_where=text("in_fallout"),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    product_order_id: Mapped[str] = mapped_column(String(200), unique=True)
    order_fingerprint: Mapped[str] = mapped_column(String(64))
    order_category: Mapped[str | None] = mapped_column(String(100))
    customer_id: Mapped[str] = mapped_column(String(200))
    customer_name: Mapped[str | None] = mapped_column(String(400))
    product_order: Mapped[dict[str, Any]] = mapped_column(JsonColumn)
    policy_id: Mapped[str] = mapped_column(String(80))
    policy_version: Mapped[int] = mapped_column(Integer)
    policy_name: Mapped[str] = mapped_column(String(400))
    state: Mapped[str] = mapped_column(String(20))
    state_reason: Mapped[str | None] = mapped_column(Text)
    jeopardy: Mapped[str] = mapped_column(String(20))
    # Who the case waits for (``rules.waiting_for`` of its steps), written with every save
    # so that the list filter reads an index rather than every case's steps (0016).
    waiting_for: Mapped[str] = mapped_column(String(20), server_default=Waiter.NOBODY.value)
    target_completion_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    start_of_service_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    held_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The first ready-for-service notice and the readyForClosure milestone, copied out of
    # ``milestones`` with every save (0025): the KPI report aggregates them over a period's
    # cases, and reading a column costs nothing where parsing each case's JSON did.
    ready_for_service_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ready_for_closure_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    learned_contacts: Mapped[list[dict[str, Any]]] = mapped_column(JsonColumn)
    # The customer update failed for good on some system: an operator must act.
    in_fallout: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    certificate_sha256: Mapped[str | None] = mapped_column(String(64))
    # Milestones reached, in order, as ``{"name", "date"}``: a handful per case, always read
    # with it, so a column rather than a row each.
    milestones: Mapped[list[dict[str, Any]] | None] = mapped_column(JsonColumn)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    history_seq: Mapped[int] = mapped_column(Integer, default=0)
    event_seq: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer)


ACTIVE_ONLY = "state = 'active'"


class StepRow(Base):
    """One step of a case, with the policy settings it was created from."""

    __tablename__ = "case_step"
    # The steps waiting now, by kind, for the metrics: a few per open case, however many
    # finished steps the table holds (migration 0018). A case's steps, and its step of one
    # kind (the KPI report joins each case to its acceptance, training and survey) read
    # straight off one index (0025; it replaced the index on ``case_id`` alone).
    __table_args__ = (
        Index("ix_case_step_case_kind", "case_id", "kind"),
        Index(
            "ix_case_step_active_kind",
            "kind",
            postgresql_where=text(ACTIVE_ONLY),
            sqlite_where=text(ACTIVE_ONLY),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("completion_case.id"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str | None] = mapped_column(String(40))
    blocking: Mapped[bool]
    after: Mapped[list[str]] = mapped_column(JsonColumn)
    config: Mapped[dict[str, Any]] = mapped_column(JsonColumn)
    data: Mapped[dict[str, Any]] = mapped_column(JsonColumn)
    round: Mapped[int] = mapped_column(Integer, default=1)
    rounds: Mapped[list[dict[str, Any]] | None] = mapped_column(JsonColumn)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ItemRow(Base):
    """An item of the product order, tracked from delivered to active in inventory."""

    __tablename__ = "case_order_item"

    case_id: Mapped[str] = mapped_column(ForeignKey("completion_case.id"), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(20))
    offering_id: Mapped[str | None] = mapped_column(String(200))
    offering_name: Mapped[str | None] = mapped_column(String(400))
    state: Mapped[str] = mapped_column(String(20))
    active_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The product inventory's id of the product this item created or changed.
    product_id: Mapped[str | None] = mapped_column(String(200))


class HistoryRow(Base):
    """The audit trail: one row per unit of work that changed the case, holding its entries.

    A command typically records several entries at once (a step finishing, the next one
    starting, a milestone); storing them together makes the write one row instead of one
    per entry. ``seq`` is the number of the first entry (counted on the case row), so
    entries keep one order across rows; ``entries`` hold them in their API shape
    (``date``, ``action``, ``stepId``, ``actor``, ``detail``), read back without reshaping.
    """

    __tablename__ = "case_history"

    case_id: Mapped[str] = mapped_column(ForeignKey("completion_case.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    date: Mapped[datetime] = mapped_column(UTCDateTime)
    entry_count: Mapped[int] = mapped_column(Integer)
    entries: Mapped[list[dict[str, Any]]] = mapped_column(PackedJson)


CASES = cast(Table, CaseRow.__table__)
STEPS = cast(Table, StepRow.__table__)
ITEMS = cast(Table, ItemRow.__table__)
HISTORY = cast(Table, HistoryRow.__table__)
