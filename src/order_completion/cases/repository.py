"""Loading and saving the case aggregate with SQLAlchemy Core.

A case is read as three small queries (case with its milestones, steps, items) and written as a
version-checked update of the case row plus updates of only the steps and items that
changed; a new case is a handful of multi-row inserts. Reads for the API use the same
mapping without a lock (``queries.py``).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from order_completion.cases.aggregate import CompletionCase, OrderItem, Step
from order_completion.cases.events import ItemState, Reached
from order_completion.cases.rules import (
    CaseState,
    Jeopardy,
    Milestone,
    Outcome,
    StepKind,
    StepState,
)
from order_completion.cases.tables import CASES, ITEMS, STEPS
from order_completion.errors import Conflict

CASE_FIELDS = (
    "product_order_id",
    "order_fingerprint",
    "order_category",
    "customer_id",
    "customer_name",
    "product_order",
    "policy_id",
    "policy_version",
    "policy_name",
    "state_reason",
    "target_completion_date",
    "start_of_service_date",
    "held_since",
    "learned_contacts",
    "created_at",
    "updated_at",
    "completed_at",
)
ITEM_FIELDS = ("state", "active_from")


class StaleCase(Conflict):
    """Another transaction changed the case since it was loaded."""


def step_from_row(row: Row[Any] | Mapping[str, Any]) -> Step:
    values = row._mapping if isinstance(row, Row) else row
    return Step(
        id=values["id"],
        position=values["position"],
        kind=StepKind(values["kind"]),
        state=StepState(values["state"]),
        outcome=Outcome(values["outcome"]) if values["outcome"] else None,
        blocking=bool(values["blocking"]),
        after=tuple(values["after"] or ()),
        config=values["config"] or {},
        data=values["data"] or {},
        round=values["round"],
        rounds=list(values["rounds"] or []),
        started_at=values["started_at"],
        due_at=values["due_at"],
        completed_at=values["completed_at"],
    )


def item_from_row(row: Row[Any]) -> OrderItem:
    return OrderItem(
        item_id=row.item_id,
        position=row.position,
        action=row.action,
        offering_id=row.offering_id,
        offering_name=row.offering_name,
        state=ItemState(row.state),
        active_from=row.active_from,
    )


def milestones_from(values: Sequence[Mapping[str, Any]] | None) -> list[Reached]:
    return [Reached(Milestone(m["name"]), datetime.fromisoformat(m["date"])) for m in values or ()]


def milestone_values(milestones: Sequence[Reached]) -> list[dict[str, Any]]:
    return [{"name": m.name.value, "date": m.date.isoformat()} for m in milestones]


def case_from_rows(
    row: Row[Any], steps: Sequence[Step], items: Sequence[OrderItem]
) -> CompletionCase:
    values = row._mapping
    return CompletionCase(
        id=values["id"],
        state=CaseState(values["state"]),
        jeopardy=Jeopardy(values["jeopardy"]),
        steps=list(steps),
        items=list(items),
        milestones=milestones_from(values["milestones"]),
        version=values["version"],
        **{name: values[name] for name in CASE_FIELDS},
    )


async def load_cases(session: AsyncSession, rows: Sequence[Row[Any]]) -> list[CompletionCase]:
    """Cases from their rows, with steps and items (two queries in all)."""
    if not rows:
        return []
    ids = [row.id for row in rows]
    steps: dict[str, list[Step]] = {case_id: [] for case_id in ids}
    items: dict[str, list[OrderItem]] = {case_id: [] for case_id in ids}
    step_rows = await session.execute(
        select(STEPS).where(STEPS.c.case_id.in_(ids)).order_by(STEPS.c.case_id, STEPS.c.position)
    )
    for step_row in step_rows:
        steps[step_row.case_id].append(step_from_row(step_row))
    item_rows = await session.execute(
        select(ITEMS).where(ITEMS.c.case_id.in_(ids)).order_by(ITEMS.c.case_id, ITEMS.c.position)
    )
    for item_row in item_rows:
        items[item_row.case_id].append(item_from_row(item_row))
    return [case_from_rows(row, steps[row.id], items[row.id]) for row in rows]


class CaseRepository:
    """The cases of one unit of work: what it loaded, what it added, and how to save them."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.seen: list[CompletionCase] = []
        self._new: set[str] = set()
        self._loaded: dict[str, _Image] = {}
        self._counters: dict[str, dict[str, int]] = {}

    async def get(
        self, case_id: str, *, lock: bool = True, skip_locked: bool = False
    ) -> CompletionCase | None:
        """The case for change, its row locked on PostgreSQL so writers queue; with
        ``skip_locked`` a case another transaction holds gives ``None``. A case already
        loaded in this unit of work is the same object, never a second copy."""
        for known in self.seen:
            if known.id == case_id:
                return known
        statement = select(CASES).where(CASES.c.id == case_id)
        if lock:
            statement = statement.with_for_update(skip_locked=skip_locked)
        row = (await self.session.execute(statement)).first()
        if row is None:
            return None
        (case,) = await load_cases(self.session, [row])
        self.seen.append(case)
        self._counters[case.id] = {
            "history_seq": row.history_seq or 0,
            "event_seq": row.event_seq or 0,
        }
        self._loaded[case.id] = _Image.of(case)
        return case

    async def find_by_order(self, product_order_id: str) -> tuple[str, str] | None:
        """The id and order fingerprint of the case of a product order, if it has one."""
        row = (
            await self.session.execute(
                select(CASES.c.id, CASES.c.order_fingerprint).where(
                    CASES.c.product_order_id == product_order_id
                )
            )
        ).first()
        return (row.id, row.order_fingerprint) if row is not None else None

    def add(self, case: CompletionCase) -> None:
        self.seen.append(case)
        self._new.add(case.id)
        self._counters[case.id] = {"history_seq": 0, "event_seq": 0}

    def counters(self, case: CompletionCase) -> dict[str, int]:
        """The history and event sequence numbers the case has used so far; the unit of
        work counts on from them."""
        return self._counters[case.id]

    def is_new(self, case: CompletionCase) -> bool:
        return case.id in self._new

    async def save(self, case: CompletionCase, counters: Mapping[str, int]) -> None:
        """Write the case; ``counters`` are the history and event sequence numbers the
        unit of work used."""
        if case.id in self._new:
            await self._insert(case, counters)
        else:
            await self._update(case, counters)

    async def _insert(self, case: CompletionCase, counters: Mapping[str, int]) -> None:
        case.version = 1
        await self.session.execute(insert(CASES), [_case_values(case, counters)])
        await self.session.execute(
            insert(STEPS),
            [{**_step_values(step), **_step_identity(case, step)} for step in case.steps],
        )
        if case.items:
            await self.session.execute(
                insert(ITEMS), [_item_row(case, item) for item in case.items]
            )

    async def _update(self, case: CompletionCase, counters: Mapping[str, int]) -> None:
        image = self._loaded[case.id]
        result = await self.session.execute(
            update(CASES)
            .where(CASES.c.id == case.id, CASES.c.version == case.version)
            .values(**_case_values(case, counters, with_identity=False), version=case.version + 1)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise StaleCase(f"case {case.id} was changed by another request; try again")
        case.version += 1
        now_values = {step.id: _step_values(step) for step in case.steps}
        changed_steps = [
            {**values, "b_id": step_id}
            for step_id, values in now_values.items()
            if values != image.steps.get(step_id)
        ]
        if changed_steps:
            await self.session.execute(
                update(STEPS).where(STEPS.c.id == bindparam("b_id")), changed_steps
            )
        changed_items = [
            {"state": item.state.value, "active_from": item.active_from, "b_item": item.item_id}
            for item in case.items
            if (item.state.value, item.active_from) != image.items.get(item.item_id)
        ]
        if changed_items:
            await self.session.execute(
                update(ITEMS).where(
                    ITEMS.c.case_id == case.id, ITEMS.c.item_id == bindparam("b_item")
                ),
                changed_items,
            )
        self._loaded[case.id] = _Image.of(case)


class _Image:
    """What a loaded case looked like, to write only what changed."""

    def __init__(
        self,
        steps: dict[str, dict[str, Any]],
        items: dict[str, tuple[str, Any]],
    ) -> None:
        self.steps, self.items = steps, items

    @classmethod
    def of(cls, case: CompletionCase) -> _Image:
        return cls(
            {step.id: copy.deepcopy(_step_values(step)) for step in case.steps},
            {item.item_id: (item.state.value, item.active_from) for item in case.items},
        )


def _case_values(
    case: CompletionCase, counters: Mapping[str, int], *, with_identity: bool = True
) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(case, name) for name in CASE_FIELDS}
    values.update(
        state=case.state.value,
        jeopardy=case.jeopardy.value,
        milestones=milestone_values(case.milestones),
        history_seq=counters["history_seq"],
        event_seq=counters["event_seq"],
    )
    if with_identity:
        values.update(id=case.id, version=case.version)
    return values


def _step_values(step: Step) -> dict[str, Any]:
    return {
        "state": step.state.value,
        "outcome": step.outcome.value if step.outcome else None,
        "after": list(step.after),
        "data": step.data,
        "round": step.round,
        "rounds": step.rounds or None,
        "started_at": step.started_at,
        "due_at": step.due_at,
        "completed_at": step.completed_at,
    }


def _step_identity(case: CompletionCase, step: Step) -> dict[str, Any]:
    return {
        "id": step.id,
        "case_id": case.id,
        "position": step.position,
        "kind": step.kind.value,
        "blocking": step.blocking,
        "config": step.config,
    }


def _item_row(case: CompletionCase, item: OrderItem) -> dict[str, Any]:
    return {
        "case_id": case.id,
        "item_id": item.item_id,
        "position": item.position,
        "action": item.action,
        "offering_id": item.offering_id,
        "offering_name": item.offering_name,
        "state": item.state.value,
        "active_from": item.active_from,
    }
