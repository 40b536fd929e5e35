"""Matching a value inside a JSON list column (``channel.id``, ``relatedEntity.id``) on both
databases: SQLite walks the list with ``json_each``, PostgreSQL with
``json_array_elements``; either way a row matches when one of its elements does.

Nothing indexes the elements, so the database reads the list of every row the other
filters leave; meant for lists of a few references per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import String, exists, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement


class JsonListElements(FunctionElement[Any]):
    """The elements of a JSON list, one row each, in a column named ``value``."""

    name = "json_list_elements"
    inherit_cache = True


class JsonTextAt(FunctionElement[str]):
    """The text of one attribute (``key``) of a JSON object; NULL when it has none."""

    name = "json_text_at"
    type = String()
    inherit_cache = True


@compiles(JsonListElements, "sqlite")
def _sqlite_elements(element: JsonListElements, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_each({compiler.process(element.clauses, **kw)})"


@compiles(JsonListElements, "postgresql")
def _postgres_elements(element: JsonListElements, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_array_elements({compiler.process(element.clauses, **kw)})"


@compiles(JsonTextAt, "sqlite")
def _sqlite_text_at(element: JsonTextAt, compiler: SQLCompiler, **kw: Any) -> str:
    document, key = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"json_extract({document}, '$.' || {key})"


@compiles(JsonTextAt, "postgresql")
def _postgres_text_at(element: JsonTextAt, compiler: SQLCompiler, **kw: Any) -> str:
    document, key = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"({document} ->> CAST({key} AS TEXT))"


def list_has_element(column: Any, key: str, values: Sequence[str]) -> ColumnElement[bool]:
    """True for a row whose JSON list ``column`` holds an object whose ``key`` is one of
    ``values`` (exactly, as text)."""
    elements = JsonListElements(column).table_valued("value").alias()
    match = JsonTextAt(elements.c.value, literal(key, String()))
    return exists(select(literal(1)).select_from(elements).where(match.in_(list(values))))
