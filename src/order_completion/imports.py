"""``import-orders``: read product orders from a file (one order, a list, or NDJSON) and
open a case for each, with a summary of what was created, duplicate or rejected."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from order_completion.audit import Actor
from order_completion.bootstrap import Services
from order_completion.errors import ServiceError
from order_completion.orders.handlers import OpenCase
from order_completion.orders.schemas import ProductOrder
from order_completion.tmf.errors import field_path


@dataclass
class ImportSummary:
    created: int = 0
    duplicate: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (where, why)


def read_documents(path: Path) -> list[tuple[str, Any]]:
    """Each order with where it came from (``item 3`` or ``line 7``)."""
    text = path.read_text(encoding="utf-8")
    stripped = text.lstrip()
    if not stripped:
        return []
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
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


@dataclass(frozen=True)
class _Unreadable:
    reason: str


def _describe(error: ValidationError) -> str:
    return "; ".join(
        f"{field_path(item['loc']) or 'order'}: {item['msg'].removeprefix('Value error, ')}"
        for item in error.errors()
    )


IMPORTER = Actor("import-orders")


async def import_orders(
    services: Services, documents: list[tuple[str, Any]], advance: Callable[[], None] = lambda: None
) -> ImportSummary:
    summary = ImportSummary()
    for where, document in documents:
        try:
            if isinstance(document, _Unreadable):
                raise ValueError(document.reason)
            order = ProductOrder.model_validate(document)
            result = await services.intake.open_case(services.uow(), OpenCase(order, IMPORTER))
        except ValidationError as error:
            summary.rejected.append((where, _describe(error)))
        except ServiceError as error:
            summary.rejected.append((where, error.message))
        except ValueError as error:
            summary.rejected.append((where, str(error)))
        else:
            if result.created:
                summary.created += 1
            else:
                summary.duplicate += 1
        advance()
    return summary
