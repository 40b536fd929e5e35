"""Loading and saving the case aggregate with SQLAlchemy Core.

A case is read as three small queries (case with its milestones, steps, items) and written as a
version-checked update of the case row plus updates of only the steps and items that
changed; a new case is a handful of multi-row inserts. Reads for the API use the same
mapping without a lock (``queries.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
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
    "in_fallout",
    "certificate_sha256",
    "created_at",
    "updated_at",
    "completed_at",
)


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
        product_id=row.product_id,
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
        known = self._known(case_id)
        if known is not None:
            return known
        statement = select(CASES).where(CASES.c.id == case_id)
        if lock:
            statement = statement.with_for_update(skip_locked=skip_locked)
        row = (await self.session.execute(statement)).first()
        if row is None:
            return None
        (case,) = await load_cases(self.session, [row])
        self._track(case, row)
        return case

    async def get_many(
        self, case_ids: Sequence[str], *, skip_locked: bool = False
    ) -> dict[str, CompletionCase]:
        """The cases for change, locked, by id (four queries for any number); with
        ``skip_locked`` the cases another transaction holds are left out."""
        wanted = [case_id for case_id in dict.fromkeys(case_ids) if self._known(case_id) is None]
        found = {case_id: case for case_id in case_ids if (case := self._known(case_id))}
        if not wanted:
            return found
        rows = (
            await self.session.execute(
                select(CASES).where(CASES.c.id.in_(wanted)).with_for_update(skip_locked=skip_locked)
            )
        ).all()
        for row, case in zip(rows, await load_cases(self.session, rows), strict=True):
            self._track(case, row)
            found[case.id] = case
        return found

    def forget(self, case: CompletionCase) -> None:
        """Leave a loaded case unsaved: its changes are dropped when the unit of work ends."""
        self.seen.remove(case)
        self._loaded.pop(case.id, None)
        self._counters.pop(case.id, None)

    def _known(self, case_id: str) -> CompletionCase | None:
        return next((known for known in self.seen if known.id == case_id), None)

    def _track(self, case: CompletionCase, row: Row[Any]) -> None:
        self.seen.append(case)
        self._counters[case.id] = {
            "history_seq": row.history_seq or 0,
            "event_seq": row.event_seq or 0,
        }
        self._loaded[case.id] = _Image.of(case)

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

    async def save_many(self, cases: Sequence[tuple[CompletionCase, Mapping[str, int]]]) -> None:
        """Write many cases with one statement per table instead of one per case and
        table; ``cases`` pairs each case with its counters, as for ``save``."""
        writes = _Writes()
        for case, counters in cases:
            if case.id in self._new:
                await self._insert(case, counters)
            else:
                self._collect(case, counters, writes)
        await self._write(writes)

    async def _update(self, case: CompletionCase, counters: Mapping[str, int]) -> None:
        writes = _Writes()
        self._collect(case, counters, writes)
        await self._write(writes)

    def _collect(self, case: CompletionCase, counters: Mapping[str, int], writes: _Writes) -> None:
        """Add what saving ``case`` writes: its row (milestones included), and the steps
        and items that changed since it was loaded."""
        image = self._loaded[case.id]
        writes.cases.append(
            {
                **_case_values(case, counters, with_identity=False),
                "version": case.version + 1,
                "b_id": case.id,
                "b_version": case.version,
            }
        )
        for step in case.steps:
            values = _step_values(step)
            if values != image.steps.get(step.id):
                writes.steps.append({**values, "b_id": step.id})
        writes.items += [
            {
                "state": item.state.value,
                "active_from": item.active_from,
                "product_id": item.product_id,
                "b_case": case.id,
                "b_item": item.item_id,
            }
            for item in case.items
            if _item_image(item) != image.items.get(item.item_id)
        ]
        writes.saved.append(case)

    async def _write(self, writes: _Writes) -> None:
        """Run the gathered statements; a case changed by another transaction since it was
        loaded fails the save (``StaleCase``)."""
        if writes.cases:
            result = await self.session.execute(
                update(CASES).where(
                    CASES.c.id == bindparam("b_id"), CASES.c.version == bindparam("b_version")
                ),
                _one_or_many(writes.cases),
            )
            # Drivers that count the rows of a multi-row update say so; on the others the
            # rows are locked since they were loaded, so their versions cannot have moved.
            counted = (
                len(writes.cases) == 1
                or self.session.get_bind().dialect.supports_sane_multi_rowcount
            )
            if counted and result.rowcount != len(writes.cases):  # type: ignore[attr-defined]
                stale = ", ".join(case.id for case in writes.saved)
                raise StaleCase(f"case {stale} was changed by another request; try again")
        for statement, rows in (
            (update(STEPS).where(STEPS.c.id == bindparam("b_id")), writes.steps),
            (
                update(ITEMS).where(
                    ITEMS.c.case_id == bindparam("b_case"), ITEMS.c.item_id == bindparam("b_item")
                ),
                writes.items,
            ),
        ):
            if rows:
                await self.session.execute(statement, rows)
        for case in writes.saved:
            case.version += 1
            self._loaded[case.id] = _Image.of(case)


@dataclass
class _Writes:
    """The parameters of the statements that save loaded cases, one list per statement."""

    cases: list[dict[str, Any]] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)
    saved: list[CompletionCase] = field(default_factory=list)


def _one_or_many(rows: list[dict[str, Any]]) -> dict[str, Any] | list[dict[str, Any]]:
    """One parameter set on its own, so the driver reports the rows it updated."""
    return rows[0] if len(rows) == 1 else rows


class _Image:
    """What a loaded case looked like, to write only what changed."""

    def __init__(
        self,
        steps: dict[str, dict[str, Any]],
        items: dict[str, tuple[str, Any, str | None]],
    ) -> None:
        self.steps, self.items = steps, items

    @classmethod
    def of(cls, case: CompletionCase) -> _Image:
        return cls(
            {step.id: _copied(_step_values(step)) for step in case.steps},
            {item.item_id: _item_image(item) for item in case.items},
        )


def _item_image(item: OrderItem) -> tuple[str, Any, str | None]:
    """What of an item may change, to compare at save."""
    return (item.state.value, item.active_from, item.product_id)


def _copied(value: Any) -> Any:
    """A copy of JSON-like step values: new dicts and lists, the same immutable leaves
    (strings, numbers, datetimes). Several times faster than ``copy.deepcopy``, which
    mattered once a batch of timers loads hundreds of cases at a time."""
    if isinstance(value, dict):
        return {key: _copied(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copied(item) for item in value]
    if isinstance(value, tuple):
        return tuple(_copied(item) for item in value)
    return value


def _case_values(
    case: CompletionCase, counters: Mapping[str, int], *, with_identity: bool = True
) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(case, name) for name in CASE_FIELDS}
    values.update(
        state=case.state.value,
        jeopardy=case.jeopardy.value,
        waiting_for=case.waiting_for().value,
        milestones=milestone_values(case.milestones),
        ready_for_service_at=case.first_reached(Milestone.READY_FOR_SERVICE_NOTIFIED),
        ready_for_closure_at=case.first_reached(Milestone.READY_FOR_CLOSURE),
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
        "product_id": item.product_id,
    }
