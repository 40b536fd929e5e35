"""``import-orders``: read product orders from a file (one order, a list, or NDJSON) and
open a case for each, with a summary of what was created, duplicate or rejected."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError

from order_completion.audit import Actor
from order_completion.auth.rules import OPERATOR_PERMISSIONS
from order_completion.bootstrap import Services
from order_completion.errors import ServiceError
from order_completion.orders.handlers import OpenCase
from order_completion.orders.schemas import ProductOrder
from order_completion.tmf.errors import field_path


@dataclass(frozen=True)
class Rejected:
    """An order that opened no case: where it is in the file, its id when it has one
    (the first thing a user searches for), and why."""

    where: str
    order_id: str | None
    reason: str


@dataclass
class ImportSummary:
    created: int = 0
    duplicate: int = 0
    rejected: list[Rejected] = field(default_factory=list)


def read_documents(path: Path) -> list[tuple[str, Any]]:
    """Each order with where it came from (``item 3`` or ``line 7``)."""
    text = path.read_text(encoding="utf-8-sig")  # a byte order mark is not content
    stripped = text.lstrip()
    if not stripped:
        return []
    try:
        document = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return list(_ndjson(text))
    if isinstance(document, list):
        return [(f"item {index + 1}", entry) for index, entry in enumerate(document)]
    return [("document", document)]


def _ndjson(text: str) -> Iterator[tuple[str, Any]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield f"line {number}", json.loads(line)
        except json.JSONDecodeError as error:
            yield f"line {number}", _Unreadable(f"not valid JSON: {error.msg}")
        except RecursionError:
            yield f"line {number}", _Unreadable("nested too deeply to be an order")


@dataclass(frozen=True)
class _Unreadable:
    reason: str


def _describe(error: ValidationError) -> str:
    return "; ".join(
        f"{field_path(item['loc']) or 'order'}: {item['msg'].removeprefix('Value error, ')}"
        for item in error.errors()
    )


def _first_line(error: BaseException) -> str:
    """What the driver said, without the statement and its parameters."""
    return (str(error).strip().splitlines() or [type(error).__name__])[0][:200]


IMPORTER = Actor("import-orders")


# Orders opened at once: enough for the writer to commit them in groups (on SQLite one
# commit serves every order that queued meanwhile), few enough to bound memory.
IN_FLIGHT = 64


async def import_orders(
    services: Services,
    documents: list[tuple[str, Any]],
    advance: Callable[[], None] = lambda: None,
    *,
    in_flight: int = IN_FLIGHT,
    force: bool = False,
) -> ImportSummary:
    """Open a case for every order, ``in_flight`` at a time; rejections are reported in
    the order of the file. An order must be in a trigger state, as for the listener,
    unless ``force`` opens every order whatever its state.

    Orders with the same id go through the same lane, in file order, so the first of them
    is the one that opens the case, as it would be one order after the other.
    """
    summary = ImportSummary()
    rejected: list[tuple[int, Rejected]] = []
    lanes: list[list[tuple[int, str, Any]]] = [[] for _ in range(max(1, in_flight))]
    for index, (where, document) in enumerate(documents):
        key = document.get("id") if isinstance(document, dict) else None
        lane_of = hash(str(key)) if key is not None else index
        lanes[lane_of % len(lanes)].append((index, where, document))

    async def run(lane: list[tuple[int, str, Any]]) -> None:
        for index, where, document in lane:
            why = await _import_one(services, document, summary, force)
            if why is not None:
                rejected.append((index, Rejected(where, _order_id(document), why)))
            advance()

    await asyncio.gather(*(run(lane) for lane in lanes))
    summary.rejected = [rejection for _, rejection in sorted(rejected, key=lambda r: r[0])]
    return summary


def _order_id(document: Any) -> str | None:
    """The id a rejected document gives itself, if it has a readable one."""
    order_id = document.get("id") if isinstance(document, dict) else None
    return order_id if isinstance(order_id, str) and order_id.strip() else None


async def _import_one(
    services: Services,
    document: Any,
    summary: ImportSummary,
    force: bool,
) -> str | None:
    """Open the case of one order; the reason when it is rejected."""
    try:
        if isinstance(document, _Unreadable):
            raise ValueError(document.reason)
        order = ProductOrder.model_validate(document)
        command = OpenCase(order, IMPORTER, force=force, permissions=OPERATOR_PERMISSIONS)
        result = await services.intake.open_case(services.uow(), command)
    except ValidationError as error:
        return _describe(error)
    except ServiceError as error:
        return error.message
    except ValueError as error:
        return str(error)
    except (TypeError, RecursionError) as error:  # nested deeper than JSON is written
        return f"cannot be stored: {error}"
    except DBAPIError as error:
        # A value the database refuses (too long for its column, a NUL byte on
        # PostgreSQL) rejects this order alone; the import goes on with the others.
        return f"refused by the database: {_first_line(error.orig or error)}"
    if result.created:
        summary.created += 1
    else:
        summary.duplicate += 1
    return None
