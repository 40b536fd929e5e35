"""A unit of work for many cases at once, saved with one statement per table.

Firing a backlog of due timers changes hundreds of cases that have nothing to do with each
other. Saved one by one, each case costs a dozen statements, and on this stack a statement
costs far more than the work it carries; saved together, the cases of a batch share each
statement: the case rows, steps and items (``CaseRepository.save_many``), the timer
cancels, and every table's new rows (one history row and one outbox row per case among
them). Everything else (loading, the aggregate's intents, the projectors, one commit) is
the plain unit of work's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import Table

from order_completion.cases.projection import CancelTimers
from order_completion.cases.unit_of_work import UnitOfWork, insert_rows
from order_completion.outbound import store as outbound
from order_completion.timers.service import TimerStore


class BatchUnitOfWork(UnitOfWork):
    """The unit of work, writing all its cases' rows table by table when it commits.

    The order of the plain unit of work holds across the batch: the case rows first, then
    statements on rows the cases already had (timer cancels), then the new rows.
    """

    async def _save(self) -> None:
        projections = [self._project(case) for case in self.cases.seen]
        await self.cases.save_many([(p.case, p.counters) for p in projections])
        await self.session.flush()
        await self._run_later([run for p in projections for run in p.later])
        rows: dict[Table, list[dict[str, Any]]] = {}
        for projection in projections:
            projection.gather(self.now)
            for table, table_rows in projection.rows.items():
                rows.setdefault(table, []).extend(table_rows)
        await insert_rows(self.session, rows)
        await outbound.enqueue(self.session, [call for p in projections for call in p.calls])

    async def _run_later(self, later: list[Callable[[], Awaitable[None]]]) -> None:
        """Timer cancels (what timer jobs leave) as one statement; a mix with pauses or
        resumes runs statement by statement in its order."""
        cancels = [(run.case_id, run.step_id) for run in later if isinstance(run, CancelTimers)]
        if len(cancels) == len(later):
            await TimerStore(self.session).cancel_many(cancels)
            return
        for run in later:
            await run()
