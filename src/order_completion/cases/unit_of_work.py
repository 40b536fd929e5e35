"""The unit of work: one transaction in which handlers load and change cases, and which,
when it ends without an error, saves every case it saw and turns their domain events into
history rows, outbox events, timers and log entries, then commits once.

Handlers own it (``async with uow:``); the composition root builds it. Nothing else opens a
write transaction for a case.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession

from order_completion.audit import Actor
from order_completion.cases.aggregate import CaseBehaviour, CompletionCase
from order_completion.cases.events import DomainEvent
from order_completion.cases.opening import open_case
from order_completion.cases.plan import CasePlan
from order_completion.cases.repository import CaseRepository
from order_completion.cases.tables import HISTORY
from order_completion.clock import Clock
from order_completion.database import Database
from order_completion.errors import NotFound
from order_completion.events import outbox
from order_completion.outbound import store as outbound
from order_completion.outbound.rules import CallKind
from order_completion.timers.service import TimerStore


@dataclass
class Projection:
    """Rows one case's events turn into, written in a fixed order at commit: the case
    first, then statements on rows it already had (timer cancels), then the new rows.

    The history entries and the outbox events of the unit of work are each gathered into
    one row (``case_history``, ``outbox_batch``): a command writes two rows for them
    however many entries and events it raised.
    """

    session: AsyncSession
    case: CompletionCase
    base_url: str
    counters: dict[str, int]
    new: bool
    rows: dict[Table, list[dict[str, Any]]] = field(default_factory=dict)
    later: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)

    def next(self, counter: str) -> int:
        self.counters[counter] += 1
        return self.counters[counter]

    def add_row(self, table: Table, row: dict[str, Any]) -> None:
        self.rows.setdefault(table, []).append(row)

    def record(self, entry: dict[str, Any]) -> None:
        """A history entry (in its API shape) about this case."""
        self.next("history_seq")
        self.history.append(entry)

    def publish(self, event_type: str, body: dict[str, Any], at: datetime) -> None:
        """An outbox event about this case, in the case's event order."""
        self.next("event_seq")
        self.events.append(
            outbox.new_event(event_type=event_type, at=at, body=body, case_id=self.case.id)
        )

    def publish_derived(
        self, event_type: str, derivation: str, facts: dict[str, Any], at: datetime
    ) -> None:
        """An outbox event about this case stored as the facts its body is built from
        when relayed (``outbox.derived_event``)."""
        self.next("event_seq")
        self.events.append(
            outbox.derived_event(
                event_type=event_type,
                at=at,
                derivation=derivation,
                facts=facts,
                case_id=self.case.id,
            )
        )

    def owe(self, kind: CallKind, purpose: str, payload: dict[str, Any]) -> None:
        """An outbound call this case owes another system, enqueued at commit (a call the
        case already owes for the same purpose is kept as it is)."""
        self.calls.append(
            outbound.new_call(
                case_id=self.case.id, kind=kind, purpose=purpose, payload=payload, now=self.case.now
            )
        )

    def gather(self, now: datetime) -> None:
        """Turn the history entries and events gathered so far into their one row each;
        called once, when the unit of work writes."""
        if self.history:
            self.add_row(
                HISTORY,
                {
                    "case_id": self.case.id,
                    "seq": self.counters["history_seq"] - len(self.history) + 1,
                    "date": now,
                    "entry_count": len(self.history),
                    "entries": self.history,
                },
            )
        if self.events:
            first = self.counters["event_seq"] - len(self.events) + 1
            self.add_row(
                outbox.OUTBOX,
                outbox.batch_row(self.events, at=now, case_id=self.case.id, sequence=first),
            )

    async def write(self, now: datetime) -> None:
        for run in self.later:
            await run()
        self.gather(now)
        await insert_rows(self.session, self.rows)
        await outbound.enqueue(self.session, self.calls)


async def insert_rows(session: AsyncSession, rows: Mapping[Table, list[dict[str, Any]]]) -> None:
    """The new rows of one or many cases, one multi-row insert per table, in the order the
    tables come (parents before children)."""
    for table, table_rows in rows.items():
        if table_rows:
            await session.execute(insert(table), table_rows)


class Projector(Protocol):
    """Turns domain events into rows of one feature (history, outbox, TMF701 events,
    the interaction log, timers)."""

    def project(self, projection: Projection, event: DomainEvent) -> None: ...


class UnitOfWork(AbstractAsyncContextManager["UnitOfWork"]):
    """One transaction of changes to cases; see the module docstring."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        behaviour: CaseBehaviour,
        projectors: Sequence[Projector],
        *,
        base_url: str = "",
    ) -> None:
        self.db = db
        self.clock = clock
        self.behaviour = behaviour
        self.projectors = projectors
        self.base_url = base_url
        self._transaction: AbstractAsyncContextManager[AsyncSession] | None = None

    async def __aenter__(self) -> UnitOfWork:
        self._transaction = self.db.transaction()
        self.session = await self._transaction.__aenter__()
        self.now = self.clock.now()
        self.cases = CaseRepository(self.session)
        self.timers = TimerStore(self.session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool | None:
        assert self._transaction is not None, "not entered"
        transaction, self._transaction = self._transaction, None
        if exc is None:
            try:
                await self._save()
            except BaseException as error:
                await transaction.__aexit__(type(error), error, error.__traceback__)
                raise
        return await transaction.__aexit__(exc_type, exc, traceback)

    # -- what handlers use ----------------------------------------------------------------

    async def load(self, case_id: str, actor: Actor) -> CompletionCase:
        """The case for change (404 when there is none)."""
        case = await self.cases.get(case_id)
        if case is None:
            raise NotFound(f"no completion case {case_id}")
        case.begin(self.now, actor.name, self.behaviour, actor.channel)
        return case

    async def load_unless_busy(self, case_id: str, actor: Actor) -> CompletionCase | None:
        """The case for change, or None when another transaction holds it (PostgreSQL)."""
        case = await self.cases.get(case_id, skip_locked=True)
        if case is not None:
            case.begin(self.now, actor.name, self.behaviour, actor.channel)
        return case

    def open(
        self, plan: CasePlan, case_id: str, step_ids: Sequence[str], actor: Actor
    ) -> CompletionCase:
        case = open_case(
            plan,
            case_id=case_id,
            step_ids=step_ids,
            now=self.now,
            by=actor.name,
            behaviour=self.behaviour,
        )
        self.cases.add(case)
        return case

    def add(self, row: Any) -> None:
        """A row of a feature's own table (a decision, a test run), saved with the case."""
        self.session.add(row)

    # -- commit ---------------------------------------------------------------------------

    def _project(self, case: CompletionCase) -> Projection:
        """The rows one case's events turn into (its events are then spent)."""
        projection = Projection(
            session=self.session,
            case=case,
            base_url=self.base_url,
            counters=dict(self.cases.counters(case)),
            new=self.cases.is_new(case),
        )
        for event in case.events:
            for projector in self.projectors:
                projector.project(projection, event)
        case.events.clear()
        return projection

    async def _save(self) -> None:
        projections: list[Projection] = []
        for case in self.cases.seen:
            projection = self._project(case)
            await self.cases.save(case, projection.counters)
            projections.append(projection)
        await self.session.flush()
        for projection in projections:
            await projection.write(self.now)
