"""Use cases of a completion case: open one from a plan, load one for change, find one by
its product order. Changes to a loaded case are methods of ``CaseUnit``."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from order_completion.cases.events import CaseEventType
from order_completion.cases.plan import CasePlan, PlannedItem, PlannedStep
from order_completion.cases.rules import CaseState, Jeopardy, StepKind, StepState
from order_completion.cases.tables import CaseOrderItem, CaseStep, CompletionCase
from order_completion.cases.unit import CaseObserver, CaseUnit, StepStarter
from order_completion.errors import NotFound
from order_completion.timers.tables import TimerKind

__all__ = [
    "CaseEngine",
    "CaseObserver",
    "CasePlan",
    "CaseUnit",
    "PlannedItem",
    "PlannedStep",
    "StepStarter",
]


class CaseEngine:
    """Opens and loads cases as ``CaseUnit`` values wired with the step starters."""

    def __init__(
        self,
        starters: Mapping[StepKind, StepStarter],
        *,
        base_url: str = "",
        observers: Sequence[CaseObserver] = (),
    ) -> None:
        missing = set(StepKind) - set(starters)
        if missing:
            raise ValueError(f"no starter for step kinds {sorted(missing)}")
        self.starters = starters
        self.observers = tuple(observers)
        self.base_url = base_url

    async def open(self, session: AsyncSession, plan: CasePlan, now: datetime) -> CaseUnit:
        """Create the case with its steps and items, then start what can start."""
        case_id = str(uuid.uuid4())
        step_ids = [str(uuid.uuid4()) for _ in plan.steps]
        case = CompletionCase(
            id=case_id,
            product_order_id=plan.product_order_id,
            order_fingerprint=plan.fingerprint,
            order_category=plan.category,
            customer_id=plan.customer_id,
            customer_name=plan.customer_name,
            product_order=plan.product_order,
            policy_id=plan.policy_id,
            policy_version=plan.policy_version,
            policy_name=plan.policy_name,
            state=CaseState.ACTIVE.value,
            state_reason=None,
            jeopardy=Jeopardy.NONE.value,
            target_completion_date=plan.jeopardy_breach_at,
            start_of_service_date=None,
            held_since=None,
            learned_contacts=[],
            created_at=now,
            updated_at=now,
            completed_at=None,
            history_seq=0,
            event_seq=0,
        )
        case.steps = [
            CaseStep(
                id=step_ids[position],
                case_id=case_id,
                position=position,
                kind=planned.kind.value,
                state=StepState.NEW.value,
                outcome=None,
                blocking=planned.blocking,
                after=[step_ids[index] for index in planned.after],
                config=planned.config,
                data={},
                round=1,
            )
            for position, planned in enumerate(plan.steps)
        ]
        case.items = [
            CaseOrderItem(
                case_id=case_id,
                item_id=item.id,
                position=position,
                action=item.action,
                offering_id=item.offering_id,
                offering_name=item.offering_name,
                state="delivered",
                active_from=None,
            )
            for position, item in enumerate(plan.items)
        ]
        case.milestones = []
        session.add(case)
        unit = CaseUnit(
            session=session,
            case=case,
            now=now,
            starters=self.starters,
            observers=self.observers,
            base_url=self.base_url,
            fresh=True,
        )
        unit.record(
            "caseOpened",
            productOrderId=plan.product_order_id,
            policy=plan.policy_id,
            policyVersion=plan.policy_version,
        )
        unit.emit(CaseEventType.CREATE)
        self._schedule_jeopardy(unit, plan)
        await unit.advance()
        return unit

    def _schedule_jeopardy(self, unit: CaseUnit, plan: CasePlan) -> None:
        for kind, due in (
            (TimerKind.JEOPARDY_WARNING, plan.jeopardy_warning_at),
            (TimerKind.JEOPARDY_BREACH, plan.jeopardy_breach_at),
        ):
            if due is not None:
                unit.schedule_timer(kind, due)

    async def load(
        self,
        session: AsyncSession,
        case_id: str,
        now: datetime,
        *,
        lock: bool = True,
        skip_locked: bool = False,
    ) -> CaseUnit | None:
        """Load a case for change, locking its row on PostgreSQL so writers queue.

        With ``skip_locked`` a case another transaction holds is not waited for: the
        caller (the timer worker) gets ``None`` and comes back later.
        """
        statement = (
            select(CompletionCase)
            .where(CompletionCase.id == case_id)
            .options(
                selectinload(CompletionCase.steps),
                selectinload(CompletionCase.items),
                selectinload(CompletionCase.milestones),
            )
        )
        if lock:
            statement = statement.with_for_update(skip_locked=skip_locked, of=CompletionCase)
        case = (await session.scalars(statement)).first()
        if case is None:
            if skip_locked:
                return None
            raise NotFound(f"no completion case {case_id}")
        return CaseUnit(
            session=session,
            case=case,
            now=now,
            starters=self.starters,
            observers=self.observers,
            base_url=self.base_url,
        )

    async def require(self, session: AsyncSession, case_id: str, now: datetime) -> CaseUnit:
        unit = await self.load(session, case_id, now)
        assert unit is not None
        return unit

    async def find_by_order(
        self, session: AsyncSession, product_order_id: str
    ) -> CompletionCase | None:
        statement = select(CompletionCase).where(
            CompletionCase.product_order_id == product_order_id
        )
        return (await session.scalars(statement)).first()
