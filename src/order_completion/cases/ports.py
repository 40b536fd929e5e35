"""What the routes of the case and its steps need from the application: a unit of work per
command, the database for reads, how lists count, and the public base URL for links."""

from __future__ import annotations

from typing import Annotated, Any, Protocol

from fastapi import Depends

from order_completion.cases import queries
from order_completion.cases.representation import case_resource
from order_completion.cases.unit_of_work import UnitOfWork
from order_completion.database import Database
from order_completion.dependencies import services
from order_completion.tmf.counting import RowCounter


class CaseServices(Protocol):
    @property
    def db(self) -> Database: ...

    @property
    def base_url(self) -> str: ...

    @property
    def counts(self) -> RowCounter: ...

    def uow(self) -> UnitOfWork: ...


CaseServicesDep = Annotated[CaseServices, Depends(services(CaseServices))]


# The most history entries a case inlines when ``fields`` asks for its history; the history
# sub-resource pages through any number.
INLINE_HISTORY = 10_000


async def read_case(
    app: CaseServices, case_id: str, *, with_history: bool = False
) -> dict[str, Any]:
    """The case as the API shows it; its history inline only ``with_history``."""
    async with app.db.read() as session:
        case = await queries.get_case(session, case_id)
        history = (
            (await queries.history_page(session, case_id, offset=0, limit=INLINE_HISTORY))[0]
            if with_history
            else None
        )
    return case_resource(case, base_url=app.base_url, history=history)


def wants_history(fields: list[str] | None) -> bool:
    """Whether a ``fields`` selection names the history (it is never inlined otherwise)."""
    return fields is not None and "history" in fields
