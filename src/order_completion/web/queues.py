"""The workspace's read side: the work queues, how many cases each holds, and a page of
cases sorted by risk (late first, then at risk, in fallout, nearest target).

The filters are the list API's own (``cases.queries.FILTERS``), so a queue shows what the
API lists for the same filter; counts go through the same bounded counter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.ext.asyncio import AsyncSession

from order_completion.cases.queries import FILTERS
from order_completion.cases.rules import CaseState, Jeopardy, Waiter
from order_completion.cases.tables import CaseRow
from order_completion.errors import InvalidInput
from order_completion.tmf.counting import Count, RowCounter
from order_completion.tmf.query import conditions, list_request
from order_completion.web import rules

PAGE_SIZE = 50
OPEN_STATES = (CaseState.ACTIVE.value, CaseState.HOLD.value)


class Queue(StrEnum):
    OPEN = "open"
    CUSTOMER = "customer"
    ENGINEER = "engineer"
    TRAINER = "trainer"
    OVERDUE = "overdue"
    JEOPARDY = "jeopardy"
    FALLOUT = "fallout"
    ALL = "all"


QUEUE_LABELS = {
    Queue.OPEN: "All open cases",
    Queue.CUSTOMER: "Waiting on the customer",
    Queue.ENGINEER: "Waiting on an engineer",
    Queue.TRAINER: "Waiting on a trainer",
    Queue.OVERDUE: "Overdue",
    Queue.JEOPARDY: "In jeopardy",
    Queue.FALLOUT: "In fallout",
    Queue.ALL: "Every case",
}


def queue_conditions(queue: Queue, now: datetime) -> list[Any]:
    open_case = CaseRow.state.in_(OPEN_STATES)
    waiting = {Queue.CUSTOMER: Waiter.CUSTOMER, Queue.ENGINEER: Waiter.ENGINEER}
    waiting[Queue.TRAINER] = Waiter.TRAINER
    if queue in waiting:
        return [CaseRow.waiting_for == waiting[queue].value]
    if queue is Queue.OVERDUE:
        return [open_case, CaseRow.target_completion_date < now]
    if queue is Queue.JEOPARDY:
        risky = (Jeopardy.WARNING.value, Jeopardy.BREACH.value)
        return [open_case, CaseRow.jeopardy.in_(risky)]
    if queue is Queue.FALLOUT:
        return [open_case, CaseRow.in_fallout.is_(True)]
    if queue is Queue.OPEN:
        return [open_case]
    return []


@dataclass(frozen=True)
class Filters:
    """What the workspace's filter form asks for; each field named as the form names it."""

    queue: Queue = Queue.OPEN
    state: str = ""
    policy: str = ""
    customer: str = ""
    order: str = ""
    since: str = ""
    until: str = ""
    page: int = 0

    @classmethod
    def parse(cls, values: dict[str, str]) -> Filters:
        """The form's values, or 400 naming the field that is wrong."""
        try:
            queue = Queue(values.get("queue") or Queue.OPEN)
        except ValueError:
            raise InvalidInput(f"no queue {values.get('queue')!r}", field="queue") from None
        state = values.get("state", "")
        if state and state not in {s.value for s in CaseState}:
            raise InvalidInput(f"no case state {state!r}", field="state")
        for name in ("since", "until"):
            if values.get(name) and rules.day(values[name]) is None:
                raise InvalidInput("must be a date such as 2026-12-01", field=name)
        page = values.get("page", "0")
        if not page.isdigit() or len(page) > 6:
            raise InvalidInput("must be a page number", field="page")
        return cls(
            queue,
            state,
            values.get("policy", ""),
            values.get("customer", ""),
            values.get("order", ""),
            values.get("since", ""),
            values.get("until", ""),
            int(page),
        )

    def query(self, **changes: object) -> dict[str, str]:
        """These filters as query parameters (for links), with ``changes``."""
        values = {
            "queue": self.queue.value,
            "state": self.state,
            "policy": self.policy,
            "customer": self.customer,
            "order": self.order,
            "since": self.since,
            "until": self.until,
        }
        values.update({key: str(value) for key, value in changes.items()})
        return {key: value for key, value in values.items() if value not in ("", "0")}

    def conditions(self) -> list[Any]:
        """The filters but the queue, as the list API's filters."""
        params: dict[str, list[str]] = {}
        if self.state:
            params["state"] = [self.state]
        if self.policy:
            params["policy.id"] = [self.policy]
        if self.order:
            params["productOrder.id"] = [self.order]
        since, until = rules.day(self.since), rules.day(self.until)
        if since:
            params["creationDate.gte"] = [_midnight(since)]
        if until:
            params["creationDate.lt"] = [_midnight(until + timedelta(days=1))]
        wanted = list_request(params, FILTERS, fields=None, offset=None, limit=None)
        found = conditions(wanted.filters, FILTERS)
        if self.customer:
            found.append(
                (CaseRow.customer_id == self.customer) | (CaseRow.customer_name == self.customer)
            )
        return found


def _midnight(day: Any) -> str:
    return datetime.combine(day, time()).isoformat() + "Z"


@dataclass(frozen=True)
class Board:
    """What the workspace shows: counts per queue and per state, and one page of cases."""

    queues: dict[Queue, Count]
    states: dict[str, Count]
    cases: list[dict[str, Any]]
    more: bool


RISK = case(
    (CaseRow.jeopardy == Jeopardy.BREACH.value, 0),
    (CaseRow.jeopardy == Jeopardy.WARNING.value, 1),
    else_=2,
)


async def board(
    session: AsyncSession, counter: RowCounter, filters: Filters, now: datetime
) -> Board:
    shared = filters.conditions()
    queues = {
        queue: await counter.count(
            session, select(CaseRow).where(*shared, *queue_conditions(queue, now))
        )
        for queue in Queue
    }
    states = {
        state.value: await counter.count(
            session, select(CaseRow).where(*shared, CaseRow.state == state.value)
        )
        for state in CaseState
    }
    rows = await session.execute(
        select(CaseRow)
        .where(*shared, *queue_conditions(filters.queue, now))
        .order_by(
            RISK,
            CaseRow.in_fallout.desc(),
            CaseRow.target_completion_date.asc().nulls_last(),
            CaseRow.created_at,
            CaseRow.id,
        )
        .offset(filters.page * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)
    )
    cases = [_row(row, now) for row in rows.scalars()]
    return Board(queues, states, cases[:PAGE_SIZE], len(cases) > PAGE_SIZE)


def _row(row: CaseRow, now: datetime) -> dict[str, Any]:
    target = row.target_completion_date
    return {
        "id": row.id,
        "order": row.product_order_id,
        "customer": row.customer_name or row.customer_id,
        "policy": row.policy_name,
        "state": row.state,
        "waiting": row.waiting_for,
        "jeopardy": row.jeopardy,
        "jeopardyWords": rules.JEOPARDY_WORDS.get(row.jeopardy, row.jeopardy),
        "fallout": row.in_fallout,
        "target": target,
        "overdue": target is not None and target < now and row.state in OPEN_STATES,
    }
