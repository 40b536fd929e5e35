"""How a list tells how many rows match it (TMF630 ``X-Total-Count``) without reading every
one of them.

An exact ``count(*)`` reads every matching index entry: nothing for a customer's cases, the
whole index for an unfiltered list, and at a million cases that is tens of milliseconds of
database work on every request. So a list counts exactly only up to a bound (a ``LIMIT``ed
count: at most ``exact_up_to + 1`` entries are read, whatever the table's size); above it,
``X-Total-Count`` is an estimate, never below ``exact_up_to + 1`` (there are at least that
many), and the answer says so with ``X-Total-Count-Estimated: true``. A client that pages
until a page comes back short, as TMF630 clients do, is not misled by it.

The estimate:

- PostgreSQL: the planner's row estimate for the same filtered query
  (``EXPLAIN (FORMAT JSON)``, with the same parameters, so a filter on a frequent value and
  on a rare one get their own estimates), from the statistics ``ANALYZE`` keeps. Any
  number of API processes get the same figure, for a fraction of a millisecond.
- SQLite: its planner keeps no row estimates unless ``ANALYZE`` has run (the service never
  runs it, and even then ``sqlite_stat1`` holds one average per index prefix, blind to a
  skewed value such as ``state=completed``). So the estimate is the exact count, taken at
  most once every ``recount_seconds`` per filter in this process and reused meanwhile: it
  is behind by what was written since. SQLite runs in one process, so one count per
  interval is what a broad list costs, however often it is asked for.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement, Executable

ESTIMATED_HEADER = "X-Total-Count-Estimated"
DEFAULT_EXACT_UP_TO = 10_000
# What every list route's OpenAPI description says of its counts.
COUNTS_DESCRIPTION = (
    "`X-Result-Count` is the number of items in this page. `X-Total-Count` is exact up to "
    "`ORDER_COMPLETION_EXACT_COUNT_LIMIT` matches (10,000 by default); above that it is an "
    f"estimate, never below that limit + 1, and the answer carries `{ESTIMATED_HEADER}: true` "
    "(PostgreSQL: the query planner's estimate; SQLite: the exact count taken at most once a "
    "minute per filter). Page until a page comes back short rather than up to the total."
)
RECOUNT_SECONDS = 60.0
# Filters whose SQLite count is kept: the lists a process is asked for again and again are
# a handful; beyond this many, the least recently asked is forgotten.
KEPT_COUNTS = 256


@dataclass(frozen=True)
class Count:
    """How many rows a list matches, and whether that is an estimate."""

    total: int
    estimated: bool = False

    @property
    def headers(self) -> Mapping[str, str]:
        """The TMF630 ``X-Total-Count``, and the mark of an estimate when it is one."""
        found = {"X-Total-Count": str(self.total)}
        if self.estimated:
            found[ESTIMATED_HEADER] = "true"
        return found


class RowCounter:
    """Counts the rows a list statement matches: exactly up to ``exact_up_to``, estimated
    above it (see the module docstring). One per process: it keeps SQLite's counts."""

    def __init__(
        self,
        exact_up_to: int = DEFAULT_EXACT_UP_TO,
        *,
        recount_seconds: float = RECOUNT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.exact_up_to = exact_up_to
        self.recount_seconds = recount_seconds
        self._clock = clock
        self._counted: OrderedDict[str, tuple[float, int]] = OrderedDict()
        # One recount at a time: a burst of requests for the same broad list waits for one
        # count instead of running one each (requests that find a count kept do not wait).
        self._recounting = asyncio.Lock()

    async def count(self, session: AsyncSession, statement: Select[Any]) -> Count:
        """How many rows ``statement`` (a filtered ``SELECT``, without order or page)
        matches."""
        rows: Select[Any] = statement.with_only_columns(
            literal_column("1"), maintain_column_froms=True
        )
        bounded = select(func.count()).select_from(rows.limit(self.exact_up_to + 1).subquery())
        found = int(await session.scalar(bounded) or 0)
        if found <= self.exact_up_to:
            return Count(found)
        if session.get_bind().dialect.name == "postgresql":
            estimate = await _planned_rows(session, rows)
        else:
            estimate = await self._recent_count(session, rows)
        return Count(max(estimate, found), estimated=True)

    async def _recent_count(self, session: AsyncSession, rows: Select[Any]) -> int:
        """The exact count of ``rows``, counted at most once every ``recount_seconds``."""
        compiled = rows.compile(session.get_bind())
        key = f"{compiled}\n{sorted(compiled.params.items())!r}"
        kept = self._kept(key)
        if kept is not None:
            return kept
        async with self._recounting:
            kept = self._kept(key)  # counted while this request waited its turn
            if kept is not None:
                return kept
            total = int(
                await session.scalar(select(func.count()).select_from(rows.subquery())) or 0
            )
            self._counted[key] = (self._clock(), total)
            self._counted.move_to_end(key)
            while len(self._counted) > KEPT_COUNTS:
                self._counted.popitem(last=False)
            return total

    def _kept(self, key: str) -> int | None:
        kept = self._counted.get(key)
        if kept is None or self._clock() - kept[0] >= self.recount_seconds:
            return None
        self._counted.move_to_end(key)
        return kept[1]


class _Explain(Executable, ClauseElement):
    """``EXPLAIN (FORMAT JSON)`` of a statement, with the statement's own parameters."""

    inherit_cache = False  # compiled on each use: only lists above the bound ask for it

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement


@compiles(_Explain, "postgresql")
def _compile_explain(element: _Explain, compiler: SQLCompiler, **kw: Any) -> str:
    return "EXPLAIN (FORMAT JSON) " + compiler.process(element.statement, **kw)


async def _planned_rows(session: AsyncSession, rows: Select[Any]) -> int:
    """PostgreSQL's estimate of how many rows ``rows`` returns."""
    plan = await session.scalar(_Explain(rows))
    parsed = json.loads(plan) if isinstance(plan, str | bytes) else plan
    return int(parsed[0]["Plan"]["Plan Rows"])
