"""One way to serve a TMF630 list: the query parameters every list takes, and a page of
rows filtered, counted (``counting.py``), rendered and trimmed to ``fields``."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from order_completion.tmf import query
from order_completion.tmf.counting import RowCounter
from order_completion.tmf.responses import JsonResponse, json_page


@dataclass(frozen=True)
class ListParams:
    """``fields``, ``offset``, ``limit`` and every other query parameter (the filters)."""

    fields: str | None
    offset: str | None
    limit: str | None
    params: dict[str, list[str]]

    def parse(self, attributes: Mapping[str, query.Attribute]) -> query.ListRequest:
        return query.list_request(
            self.params, attributes, fields=self.fields, offset=self.offset, limit=self.limit
        )


async def list_params(
    request: Request,
    fields: str | None = Query(default=None, description="Comma-separated attributes to return"),
    offset: str | None = Query(default=None, description="Index of the first item (0)"),
    limit: str | None = Query(default=None, description="How many items at most (100, max 1000)"),
) -> ListParams:
    """``async`` only so that FastAPI calls it in the event loop, not in a worker thread."""
    params = {key: request.query_params.getlist(key) for key in request.query_params}
    query.refuse_repeated(params)
    return ListParams(fields, offset, limit, params)


ListParamsDep = Annotated[ListParams, Depends(list_params)]


async def page_of(
    session: AsyncSession,
    statement: Select[Any],
    attributes: Mapping[str, query.Attribute],
    params: ListParams,
    *,
    order_by: Sequence[Any],
    render: Callable[[Any], dict[str, Any]],
    counts: RowCounter,
) -> JsonResponse:
    """Filter ``statement`` by the request, count (exactly up to the counter's bound),
    page, render, and answer with the count headers."""
    wanted = params.parse(attributes)
    where = query.conditions(wanted.filters, attributes)
    filtered = statement.where(*where)
    total = await counts.count(session, filtered)
    rows = await session.scalars(
        filtered.order_by(*order_by).offset(wanted.page.offset).limit(wanted.page.limit)
    )
    items = [query.select_fields(render(row), wanted.fields) for row in rows]
    return json_page(items, total=total)
