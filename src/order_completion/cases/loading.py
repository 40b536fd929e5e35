"""Cases for reading in one statement: each case row (milestones are a column of it) with
its steps and order items gathered into JSON arrays by the database itself.

A read used to be several statements (case, steps, items); with the async drivers the fixed
cost of each statement was most of what a read cost, so one statement is most of the way to
a fast read. The write side keeps loading the aggregate with
``repository.load_cases``, row by row, under a lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import Row, Table, bindparam, func, literal_column, select
from sqlalchemy.sql.elements import ColumnElement

from order_completion import json_codec
from order_completion.cases.aggregate import CompletionCase, OrderItem
from order_completion.cases.events import ItemState
from order_completion.cases.repository import case_from_rows, step_from_row
from order_completion.cases.tables import CASES, ITEMS, STEPS

STEP_COLUMNS = (
    "id",
    "position",
    "kind",
    "state",
    "outcome",
    "blocking",
    "after",
    "config",
    "data",
    "round",
    "rounds",
    "started_at",
    "due_at",
    "completed_at",
)
ITEM_COLUMNS = (
    "item_id",
    "position",
    "action",
    "offering_id",
    "offering_name",
    "state",
    "active_from",
    "product_id",
)
JSON_COLUMNS = frozenset({"after", "config", "data", "rounds"})


def _json_value(dialect: str, table: Table, name: str) -> ColumnElement[Any]:
    """A column as a JSON value: SQLite keeps JSON as text, which ``json()`` embeds as
    JSON rather than as a string; PostgreSQL's ``json`` columns embed as they are."""
    column = table.c[name]
    return func.json(column) if dialect == "sqlite" and name in JSON_COLUMNS else column


def _children(dialect: str, table: Table, columns: Sequence[str]) -> Any:
    """The rows of ``table`` belonging to the case of the enclosing statement, as one JSON
    array of objects (``NULL`` or ``[]`` when there are none)."""
    pairs: list[Any] = []
    for name in columns:
        pairs += [literal_column(f"'{name}'"), _json_value(dialect, table, name)]
    if dialect == "postgresql":
        aggregate = func.json_agg(func.json_build_object(*pairs))
    else:
        aggregate = func.json_group_array(func.json_object(*pairs))
    return select(aggregate).where(table.c.case_id == CASES.c.id).scalar_subquery()


@cache
def cases_with_children(dialect: str) -> Any:
    """``SELECT`` of case rows with ``steps`` and ``items`` as JSON text;
    add the ``WHERE``, order and page. Built once per dialect (statements are immutable):
    building it took longer than running it."""
    return select(
        CASES,
        _children(dialect, STEPS, STEP_COLUMNS).label("steps_json"),
        _children(dialect, ITEMS, ITEM_COLUMNS).label("items_json"),
    )


@cache
def one_case(dialect: str) -> Any:
    """``cases_with_children`` of the case whose id is the parameter ``case_id``: one
    statement object for every read, so SQLAlchemy computes its cache key only once."""
    return cases_with_children(dialect).where(CASES.c.id == bindparam("case_id"))


def _moment(value: str) -> datetime:
    """A timestamp as the database wrote it into JSON (naive UTC, ``T`` or space)."""
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def _maybe_moment(value: str | None) -> datetime | None:
    return None if value is None else _moment(value)


def _array(raw: str | list[dict[str, Any]] | None, order: str) -> list[dict[str, Any]]:
    values: list[dict[str, Any]] = json_codec.loads(raw) if isinstance(raw, str) else raw or []
    return sorted(values, key=lambda value: value[order])


def case_from_row(row: Row[Any]) -> CompletionCase:
    """A case from a row of ``cases_with_children``."""
    steps = []
    for values in _array(row.steps_json, "position"):
        for name in ("started_at", "due_at", "completed_at"):
            values[name] = _maybe_moment(values[name])
        steps.append(step_from_row(values))
    items = [
        OrderItem(
            item_id=values["item_id"],
            position=values["position"],
            action=values["action"],
            offering_id=values["offering_id"],
            offering_name=values["offering_name"],
            state=ItemState(values["state"]),
            active_from=_maybe_moment(values["active_from"]),
            product_id=values["product_id"],
        )
        for values in _array(row.items_json, "position")
    ]
    return case_from_rows(row, steps, items)
